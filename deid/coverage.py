"""How much of a note the engine has rules for: the share of its letters written in scripts it reads.

The recognizers read Latin script fully (lists, vocabularies, case, cues) and Han, kana, Hangul,
Cyrillic, Greek, Arabic and Hebrew by their cues (`deid.recognizers.scripts`). A note whose letters are
largely in another script (Thai, Devanagari, Georgian, Amharic...) would pass through with its PHI
unseen: the engine withholds it as `DeidIncomplete("unsupported_script")` instead (fail closed), and the
batch flow quarantines it with that reason. No heavy imports: callers may use it on their own."""

from __future__ import annotations

import regex

SUPPORTED_LETTER = regex.compile(
    r"[\p{Latin}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Cyrillic}\p{Greek}\p{Arabic}\p{Hebrew}]"
)
LETTER = regex.compile(r"\p{L}")
# More than this share of a note's letters in scripts with no rules: the note is not analysed.
UNSUPPORTED_SHARE_MAX = 0.2
# Fewer letters than this outside the supported scripts are a word or two (a quoted name): analysed.
UNSUPPORTED_LETTERS_MIN = 20


def unsupported_share(text: str) -> float:
    """The share of the letters of `text` in scripts the engine has no rules for (0 for ASCII)."""
    if text.isascii():
        return 0.0
    letters = len(LETTER.findall(text))
    unsupported = letters - len(SUPPORTED_LETTER.findall(text))
    return unsupported / letters if letters and unsupported >= UNSUPPORTED_LETTERS_MIN else 0.0


def is_unsupported_script(text: str) -> bool:
    return unsupported_share(text) > UNSUPPORTED_SHARE_MAX
