"""A deterministic bag-of-words embedder for tests (no model files, no network)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from services.core.text import content_tokens


class HashEmbedder:
    """``Embedder`` port: hashed singular content tokens → unit float32 vectors.

    Keywords sharing words get a positive cosine; word order and plurals do not matter.
    """

    name = "hash-test"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in content_tokens(text) or [text]:
                digest = hashlib.blake2b(tok.encode(), digest_size=4).digest()
                out[i, int.from_bytes(digest, "little") % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] /= norm or 1.0
        return out
