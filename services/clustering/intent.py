"""Search intent of keywords: informational, commercial, transactional, navigational.

Multi-label, like Semrush and DataForSEO (a keyword may be "commercial,transactional").

* **Offline** (:func:`classify_intents`): modifier rules first — question words and how-to
  cues (informational), comparison and evaluation cues (commercial), purchase and download
  cues (transactional), log-in pages, URLs, domains and brand-like single tokens
  (navigational). A keyword no rule labels takes the labels most of its nearest labelled
  neighbours carry (embedder cosine ≥ :data:`VOTE_MIN_SIMILARITY`, more than
  :data:`VOTE_SHARE` of up to :data:`VOTE_K`) in addition to informational, the most common
  intent of search queries (76 % of the labelled rows of the shared Semrush wordpress
  export). A rule-labelled keyword also gets informational when more than
  :data:`INFO_VOTE_SHARE` of its similar keywords carry it (multi-label, as Semrush and
  Ahrefs label). Cues were calibrated on the tuning halves of Semrush and Ahrefs labelled
  files (see :mod:`services.clustering.intent_rules`).
* **Live** (:func:`live_intents`): DataForSEO Labs ``search_intent/live`` through the
  DataForSEO provider, main label then secondary labels.

Agreement with Semrush's and Ahrefs' intent columns is measured by
``bench/cluster_quality.py --intent`` (:func:`agreement` gives per-label precision and recall).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from services.clustering.intent_rules import INFORMATIONAL, rule_intents
from services.core.text import normalize_keyword
from services.providers.base import SEARCH_INTENTS, Embedder

if TYPE_CHECKING:
    import pandas as pd

#: Neighbours consulted for a keyword no rule labels.
VOTE_K = 10
#: Only neighbours at least this similar vote (cosine), per embedder tier: MiniLM's
#: paraphrase range, and the static model's equivalent (its cosines sit ≈ 0.1-0.3 higher;
#: see ``services.clustering.pages.PAGE_THRESHOLDS``). Measured on the shared wordpress export:
#: the static tier at 0.8 drops commercial precision from 0.54 to 0.48.
VOTE_MIN_SIMILARITY = {"minilm": 0.8, "static": 0.9}
#: Share of the voting neighbours that must carry a label for it to be taken.
VOTE_SHARE = 0.6
#: Share of similar keywords carrying "informational" above which a rule-labelled keyword
#: gets it too (None = never). Tuning halves (see :data:`_RULES`), informational F1 without
#: → with (0.5 / 0.7): Semrush wordpress 0.858 → 0.861 / 0.861, designrush 0.542 → 0.544 /
#: 0.545, Ahrefs chatgpt-prompts 0.952 → 0.986 / 0.986; 0.7 keeps more precision.
INFO_VOTE_SHARE: float | None = 0.7


def classify_intents(
    keywords: Sequence[str],
    embedder: Embedder | None = None,
    *,
    embeddings: np.ndarray | None = None,
) -> list[tuple[str, ...]]:
    """Offline intents of every keyword (multi-label, never empty).

    Parameters
    ----------
    keywords : sequence of str
        The keywords.
    embedder : Embedder, optional
        Used to vote for keywords no rule labels (skipped when None and no ``embeddings``).
    embeddings : np.ndarray, optional
        Precomputed unit embeddings of ``keywords`` (e.g. from the clustering run).

    Returns
    -------
    list of tuple of str
        Labels per keyword in :data:`services.providers.base.SEARCH_INTENTS` order.
    """
    labels = [rule_intents(k) for k in keywords]
    unlabelled = np.array([i for i, lab in enumerate(labels) if not lab], np.int64)
    labelled = np.array([i for i, lab in enumerate(labels) if lab], np.int64)
    can_vote = embedder is not None or embeddings is not None
    emb = None
    if len(unlabelled) and len(labelled) and can_vote:
        emb = _embeddings(embeddings, embedder, keywords)
        tier = "static" if "static" in str(getattr(embedder, "name", "")).lower() else "minilm"
        min_sim = VOTE_MIN_SIMILARITY[tier]
        from services.clustering import knn as ck  # faiss loads only when a vote runs

        idx, sim = ck.knn_against(emb[unlabelled], emb[labelled], VOTE_K)
        for row, i in enumerate(unlabelled):
            voters = [
                labels[labelled[j]]
                for j, s in zip(idx[row], sim[row], strict=False)
                if j >= 0 and s >= min_sim
            ]
            if not voters:
                continue
            counts = {lab: sum(lab in v for v in voters) for lab in SEARCH_INTENTS}
            won = {lab for lab in SEARCH_INTENTS if counts[lab] / len(voters) > VOTE_SHARE}
            # The default stays: neighbours add intents, they do not take "informational"
            # away (a rule-less query is informational first).
            labels[i] = tuple(lab for lab in SEARCH_INTENTS if lab in won | {INFORMATIONAL})
    labels = [lab or (INFORMATIONAL,) for lab in labels]
    if len(labelled) and INFO_VOTE_SHARE is not None and can_vote:
        if emb is None:
            emb = _embeddings(embeddings, embedder, keywords)
        _vote_informational(labels, labelled, emb, embedder)
    return labels


def _embeddings(
    embeddings: np.ndarray | None, embedder: Embedder | None, keywords: Sequence[str]
) -> np.ndarray:
    """The given embeddings, else the keywords embedded with ``embedder``."""
    if embeddings is not None:
        return embeddings
    from services.clustering.pages import embed_blocks

    return embed_blocks(embedder, [normalize_keyword(k) for k in keywords])  # type: ignore[arg-type]


def _vote_informational(
    labels: list[tuple[str, ...]],
    rule_labelled: np.ndarray,
    emb: np.ndarray,
    embedder: Embedder | None,
) -> None:
    """Add "informational" to a rule-labelled keyword when most similar keywords carry it.

    Semrush and Ahrefs label many "… plugin" / "… login" queries informational as well
    (multi-label); a rule that finds a commercial cue should not rule that out.
    """
    targets = np.array([i for i in rule_labelled if INFORMATIONAL not in labels[i]], np.int64)
    if not len(targets):
        return
    tier = "static" if "static" in str(getattr(embedder, "name", "")).lower() else "minilm"
    min_sim = VOTE_MIN_SIMILARITY[tier]
    from services.clustering import knn as ck  # faiss loads only when a vote runs

    nb_idx, nb_sim = ck.knn_against(emb[targets], emb, VOTE_K + 1)
    info = np.fromiter((INFORMATIONAL in lab for lab in labels), bool, len(labels))
    for row, i in enumerate(targets):
        ok = (nb_idx[row] >= 0) & (nb_idx[row] != i) & (nb_sim[row] >= min_sim)
        voters = nb_idx[row][ok]
        if len(voters) and info[voters].mean() > INFO_VOTE_SHARE:
            labels[i] = tuple(lab for lab in SEARCH_INTENTS if lab in {*labels[i], INFORMATIONAL})


def parse_labels(cell: Any) -> tuple[str, ...]:
    """Labels of an intent cell ("Informational, Transactional" → both), canonical order."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ()
    parts = {p.strip().lower() for p in re.split(r"[,;|]", str(cell)) if p.strip()}
    return tuple(label for label in SEARCH_INTENTS if label in parts)


def format_labels(labels: Iterable[str]) -> str:
    """Storage form of labels: comma-joined, canonical order ("commercial,transactional")."""
    wanted = set(labels)
    return ",".join(label for label in SEARCH_INTENTS if label in wanted)


def agreement(predicted: Sequence[Sequence[str]], truth: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Per-label precision, recall and F1 of ``predicted`` against ``truth`` (multi-label).

    Rows whose truth is empty are ignored.

    Returns
    -------
    pandas.DataFrame
        Index = label; columns ``precision``, ``recall``, ``f1``, ``support`` (truth rows
        carrying the label), ``predicted`` (rows predicted with it).
    """
    import pandas as pd  # only the quality bench calls this; the CLI starts without pandas

    rows = []
    pairs = [(set(p), set(t)) for p, t in zip(predicted, truth, strict=True) if t]
    for label in SEARCH_INTENTS:
        tp = sum(1 for p, t in pairs if label in p and label in t)
        pred = sum(1 for p, _ in pairs if label in p)
        sup = sum(1 for _, t in pairs if label in t)
        precision = tp / pred if pred else 0.0
        recall = tp / sup if sup else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {
                "label": label,
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": sup,
                "predicted": pred,
            }
        )
    return pd.DataFrame(rows).set_index("label")


def live_intents(
    provider: Any, keywords: Sequence[str], *, project_id: Any = None
) -> tuple[dict[str, str], list[Any]]:
    """Intents from DataForSEO Labs ``search_intent/live`` (one request per ≤ 1000 keywords).

    Parameters
    ----------
    provider : services.providers.dataforseo.client.DataForSEOVolumeProvider
        The live provider (its ``search_intent`` method).
    keywords : sequence of str
        Keywords to label.
    project_id : optional
        For the project's language.

    Returns
    -------
    tuple
        keyword → stored label string (e.g. "commercial,transactional"), and the calls'
        ``Usage`` records (cost USD).

    Raises
    ------
    services.core.errors.ProviderError
        The service failed.
    """
    result = provider.search_intent(list(keywords), project_id=project_id)
    out = {
        kw: format_labels(parse_labels(data.intent))
        for kw, data in result.data.items()
        if data.intent
    }
    return out, list(result.usage)
