"""The offline embedders: contract (shape, dtype, unit rows), sense, caching, errors, tiers.

Runs on the committed model files in ``models/``; no network. Load time and throughput are
bench figures (``bench/embed.py``), not timed here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from services.core.errors import ProviderError
from services.providers import embeddings as emb
from services.providers.base import Embedder

REPO = Path(__file__).resolve().parents[3]
KEYWORDS = [
    "trail running shoes",
    "running shoes for trails",
    "wordpress hosting",
    "best wordpress hosting for small business",
    "how to install a wordpress theme",
    "car brake repair cost",
]


@pytest.fixture(scope="module", params=emb.TIERS)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    return emb.get_embedder(request.param)


def cos(vectors: np.ndarray, i: int, j: int) -> float:
    return float(vectors[i] @ vectors[j])


def test_contract_shape_dtype_unit_rows(embedder: Embedder) -> None:
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed(KEYWORDS)
    assert vectors.shape == (len(KEYWORDS), embedder.dim)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_dims_and_names() -> None:
    minilm = emb.get_embedder("minilm")
    static = emb.get_embedder("static")
    assert (minilm.name, minilm.dim) == ("minilm-int8", 384)
    assert static.name == "static" and static.dim == 256


def test_similar_keywords_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    vectors = embedder.embed(KEYWORDS)
    assert cos(vectors, 0, 1) > cos(vectors, 0, 2)
    assert cos(vectors, 2, 3) > cos(vectors, 2, 5)
    assert cos(vectors, 2, 4) > cos(vectors, 0, 4)


def test_empty_input_gives_zero_rows(embedder: Embedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32


def test_single_string_is_refused(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("trail running shoes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        embedder.embed(["ok", None])  # type: ignore[list-item]


def test_duplicates_keep_order_and_get_identical_rows(embedder: Embedder) -> None:
    texts = ["b", "a", "b", "c", "a"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (5, embedder.dim)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[4])
    assert not np.array_equal(vectors[0], vectors[1])


def test_degenerate_texts_still_get_unit_rows(embedder: Embedder) -> None:
    vectors = embedder.embed(["", "   ", "☃☃☃", "x" * 5_000])
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_composition_barely_changes_a_vector() -> None:
    """Dynamic int8 quantises activations per batch, so batch-mates shift a vector slightly.

    Measured on 600 wordpress keywords: mean cosine 0.991 (min 0.981) between a keyword embedded
    alone and within a batch of 256, the same order as int8 vs torch (mean 0.993).
    """
    minilm = emb.OnnxMiniLMEmbedder(cache_entries=0)
    alone = minilm.embed(["trail running shoes"])[0]
    crowd = ["a much longer keyword about managed wordpress hosting plans"] * 20
    batched = minilm.embed([*crowd, "trail running shoes"])[-1]
    assert float(alone @ batched) > 0.97


def test_rows_come_back_in_input_order() -> None:
    """Length sorting and batching must not shuffle rows: each row is nearest its own text."""
    texts = [
        "wordpress",
        "car brake repair cost near me today",
        "trail running shoes",
        "how to bake sourdough bread at home without a starter",
        "seo",
        "best dslr camera for beginners",
        "python list comprehension",
        "cheap flights to lisbon in march",
        "dog food",
        "knitting patterns for winter scarves",
    ]
    minilm = emb.OnnxMiniLMEmbedder(batch_size=3, cache_entries=0)
    together = minilm.embed(texts)
    alone = np.concatenate([minilm.embed([text]) for text in texts])
    assert list(np.argmax(together @ alone.T, axis=1)) == list(range(len(texts)))


def test_large_calls_bypass_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb, "CACHE_MAX_CALL", 4)
    static = emb.StaticEmbedder(cache_entries=100)
    static.embed(KEYWORDS[:5])
    assert len(static._cache) == 0
    static.embed(KEYWORDS[:4])
    assert len(static._cache) == 4


def test_cache_is_bounded_and_reused() -> None:
    static = emb.StaticEmbedder(cache_entries=3)
    first = static.embed(KEYWORDS)
    assert len(static._cache) == 3
    again = static.embed(KEYWORDS[-2:])
    np.testing.assert_array_equal(again, first[-2:])
    again[:] = 0  # callers own the returned array; the cache is not touched
    np.testing.assert_array_equal(static.embed(KEYWORDS[-2:]), first[-2:])


def test_static_matches_model2vec() -> None:
    """The numpy loader computes what model2vec's own StaticModel.encode computes."""
    from model2vec import StaticModel

    reference = StaticModel.from_pretrained(str(emb.STATIC_DIR))
    texts = [*KEYWORDS, "WordPress ÉLÉMENTOR pro: 50% off!", "wp-admin login"]
    expected = reference.encode(texts, use_multiprocessing=False).astype(np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    got = emb.StaticEmbedder(cache_entries=0).embed(texts)
    np.testing.assert_allclose(got, expected, atol=2e-3)


def test_concurrent_calls_agree_with_serial(embedder: Embedder) -> None:
    texts = [f"{kw} {i}" for i in range(8) for kw in KEYWORDS]
    serial = embedder.embed(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = list(pool.map(embedder.embed, [texts[i::4] for i in range(4)]))
    for i, part in enumerate(parts):
        assert np.all(np.sum(part * serial[i::4], axis=1) > 0.97)


@pytest.mark.parametrize("cls", [emb.OnnxMiniLMEmbedder, emb.StaticEmbedder])
def test_missing_files_raise_provider_error(cls: type, tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="build_embedder.py"):
        cls(tmp_path)


def test_corrupt_model_raises_provider_error(tmp_path: Path) -> None:
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(emb.MINILM_DIR / name, tmp_path / name)
    (tmp_path / "model.onnx").write_bytes(b"not an onnx model")
    with pytest.raises(ProviderError, match="Could not load"):
        emb.OnnxMiniLMEmbedder(tmp_path)


def test_get_embedder_is_a_thread_safe_singleton() -> None:
    barrier = threading.Barrier(6)

    def load() -> Embedder:
        barrier.wait()
        return emb.get_embedder("static")

    with ThreadPoolExecutor(max_workers=6) as pool:
        loaded = list(pool.map(lambda _: load(), range(6)))
    assert all(item is loaded[0] for item in loaded)
    assert emb.get_embedder("minilm") is emb.get_embedder("minilm")
    with pytest.raises(ValueError, match="Unknown embedder tier"):
        emb.get_embedder("bert-large")


def test_pick_tier_cutoff() -> None:
    assert emb.pick_tier(0) == "minilm"
    assert emb.pick_tier(300) == "minilm"
    assert emb.pick_tier(emb.MINILM_MAX_TEXTS) == "minilm"
    assert emb.pick_tier(emb.MINILM_MAX_TEXTS + 1) == "static"
    assert emb.pick_tier(100_000) == "static"


def test_importing_the_module_loads_no_runtime() -> None:
    code = (
        "import sys; import services.providers.embeddings; "
        "print(sorted(m for m in ('onnxruntime', 'tokenizers', 'torch', 'transformers', "
        "'model2vec', 'safetensors') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"
