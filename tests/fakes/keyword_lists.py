"""Test doubles for keyword-list tests: a deterministic embedder and keyword-row helpers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from db.models import KeywordMetric
from db.session import session_scope
from services.providers.base import Usage


class TrigramEmbedder:
    """Hashed character-trigram bag: similar spellings → high cosine. Unit float32 rows.

    Records every call so tests can assert what was embedded.
    """

    name = "fake-trigram"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            padded = f"  {text} "
            for j in range(len(padded) - 2):
                h = int.from_bytes(
                    hashlib.blake2b(padded[j : j + 3].encode(), digest_size=4).digest(), "little"
                )
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class FixedEmbedder:
    """Given vectors per text (normalised), for tests that need exact cosines; other texts
    get a random vector seeded by their hash (far from everything in practice)."""

    name = "fake-fixed"

    def __init__(self, vectors: dict[str, Sequence[float]], dim: int | None = None) -> None:
        self.vectors = {k: np.asarray(v, np.float64) for k, v in vectors.items()}
        self.dim = dim or len(next(iter(self.vectors.values())))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            if text in self.vectors:
                out[i] = self.vectors[text]
            else:
                seed = int.from_bytes(
                    hashlib.blake2b(text.encode(), digest_size=4).digest(), "little"
                )
                out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class RandomEmbedder:
    """Random unit vectors (for scale tests where only shapes and memory matter)."""

    name = "fake-random"

    def __init__(self, dim: int = 32, seed: int = 0) -> None:
        self.dim = dim
        self.rng = np.random.default_rng(seed)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def add_keywords(
    engine: Any,
    project_id: Any,
    rows: Iterable[tuple[str, int | None]] | Iterable[dict[str, Any]],
    *,
    status: str = "qualified",
) -> list[uuid.UUID]:
    """Insert keyword rows (keyword, volume) or dicts of KeywordMetric fields; returns ids."""
    ids = []
    with session_scope(engine) as s:
        for row in rows:
            data = (
                dict(row) if isinstance(row, dict) else {"keyword": row[0], "search_volume": row[1]}
            )
            data.setdefault("source", "semrush")
            data.setdefault("status", status)
            km = KeywordMetric(project_id=project_id, **data)
            s.add(km)
            s.flush()
            ids.append(km.id)
    return ids


@dataclass
class FakeResponse:
    """What ``DataForSEOClient.post`` returns."""

    result: list[Any]
    usage: Usage


class RecordingClient:
    """Stands in for ``DataForSEOClient``: answers from a function, records every POST."""

    def __init__(self, answer: Any, cost: float = 0.01) -> None:
        self.answer = answer
        self.cost = cost
        self.posts: list[tuple[str, dict[str, Any]]] = []

    def post(self, endpoint: str, task: dict[str, Any], *, items: int = 0) -> FakeResponse:
        self.posts.append((endpoint, task))
        return FakeResponse(
            self.answer(endpoint, task),
            Usage(provider="dataforseo", endpoint=endpoint, cost_usd=self.cost),
        )


class FakeBudget:
    """reserve/settle recorder; refuses estimates above ``remaining``."""

    def __init__(self, remaining: float = 100.0) -> None:
        self.remaining = remaining
        self.reserved: list[float] = []
        self.settled: list[float] = []

    def reserve(self, estimate_usd: float, label: str) -> int:
        from services.core.errors import BudgetExceeded

        if estimate_usd > self.remaining:
            raise BudgetExceeded(estimate_usd, self.remaining, 50.0)
        self.reserved.append(estimate_usd)
        return len(self.reserved)

    def settle(self, reservation: Any, actual_usd: float) -> None:
        self.settled.append(actual_usd)
