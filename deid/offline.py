"""Keep Presidio's dependencies offline: `tldextract` (used by Presidio's e-mail and URL validation)
downloads the public suffix list on first use unless told to use the snapshot bundled in the wheel."""

from __future__ import annotations

import tldextract


def use_bundled_suffix_list() -> None:
    """Replace the module-level extractor with one that never fetches (idempotent)."""
    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tldextract.extract = extractor
    tldextract.tldextract.TLD_EXTRACTOR = extractor
