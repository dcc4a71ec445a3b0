"""Search intent of keywords: informational, commercial, transactional, navigational.

Multi-label, like Semrush and DataForSEO (a keyword may be "commercial,transactional").

* **Offline** (:func:`classify_intents`): modifier rules first — question words and how-to
  cues (informational), comparison and evaluation cues (commercial), purchase and download
  cues (transactional), log-in pages, URLs, domains and brand-like single tokens
  (navigational). A keyword no rule labels takes the labels most of its nearest labelled
  neighbours carry (embedder cosine ≥ :data:`VOTE_MIN_SIMILARITY`, more than
  :data:`VOTE_SHARE` of up to :data:`VOTE_K`) in addition to informational, the most common
  intent of search queries (76 % of the labelled rows of the shared Semrush wordpress
  export).
* **Live** (:func:`live_intents`): DataForSEO Labs ``search_intent/live`` through the
  DataForSEO provider, main label then secondary labels.

Agreement with Semrush's ``Intent`` column is measured by ``bench/cluster_quality.py``
(:func:`agreement` gives per-label precision and recall).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from services.clustering import knn as ck
from services.core.text import normalize_keyword
from services.providers.base import SEARCH_INTENTS, Embedder

INFORMATIONAL, COMMERCIAL, TRANSACTIONAL, NAVIGATIONAL = SEARCH_INTENTS
#: Neighbours consulted for a keyword no rule labels.
VOTE_K = 10
#: Only neighbours at least this similar vote (cosine), per embedder tier: MiniLM's
#: paraphrase range, and the static model's equivalent (its cosines sit ≈ 0.1-0.3 higher;
#: see ``services.clustering.pages.PAGE_THRESHOLDS``). Measured on the shared wordpress export:
#: the static tier at 0.8 drops commercial precision from 0.54 to 0.48.
VOTE_MIN_SIMILARITY = {"minilm": 0.8, "static": 0.9}
#: Share of the voting neighbours that must carry a label for it to be taken.
VOTE_SHARE = 0.6

#: A keyword that opens with a question word (shared with the funnel's collection-page test).
QUESTION_PATTERN = (
    r"^(how|what|why|when|where|who|which|can|does|do|is|are|should|will|could|would)\b"
)
_RULES: dict[str, re.Pattern[str]] = {
    INFORMATIONAL: re.compile(
        QUESTION_PATTERN + r"|\b(how to|tutorial|guide|meaning|definition|define|example|examples|"
        r"tips|ideas|learn|learning|course|courses|training|news|history|explained|"
        r"difference|error|errors|not working|fix|issue|issues|problem|problems|"
        r"documentation|docs|codex|requirements)\b"
    ),
    COMMERCIAL: re.compile(
        r"\b(best|top|vs|versus|compare|comparison|review|reviews|rated|alternative|"
        r"alternatives|like|similar|recommended|services?|agency|agencies|company|companies|"
        r"developers?|designers?|experts?|consultants?|freelancers?|hire|hiring|"
        r"providers?|premium|pro|affordable|themes|templates|plugins|tools|apps|software|"
        r"builders|extensions|platforms|solutions)\b"
    ),
    TRANSACTIONAL: re.compile(
        r"\b(buy|purchase|order|price|prices|pricing|cost|costs|cheap|discount|coupon|coupons|"
        r"promo|deal|deals|sale|for sale|download|downloads|free|trial|subscribe|"
        r"subscription|plans?|quote|shop|store|booking|book|get|log ?in|sign ?in)\b"
    ),
    NAVIGATIONAL: re.compile(
        r"(https?://|www\.|\.(com|net|org|io|co|de|es|fr|uk)\b|\blog ?in\b|\bsign ?in\b|"
        r"\bsignin\b|\bsign up\b|\bsignup\b|\badmin\b|\bdashboard\b|\bwp-admin\b|"
        r"\bwp-login\b|\baccount\b|\breddit\b|\byoutube\b|\bcontact\b|\bphone number\b|"
        r"\bcustomer service\b|\bofficial\b|\bwebsite\b$)"
    ),
}


def rule_intents(keyword: str) -> tuple[str, ...]:
    """Intents the modifier rules find in ``keyword`` (may be empty), in canonical order."""
    kw = normalize_keyword(keyword)
    return tuple(label for label in SEARCH_INTENTS if _RULES[label].search(kw))


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
    if len(unlabelled) and len(labelled) and (embedder is not None or embeddings is not None):
        emb = embeddings
        if emb is None:
            from services.clustering.pages import embed_blocks

            emb = embed_blocks(embedder, [normalize_keyword(k) for k in keywords])  # type: ignore[arg-type]
        tier = "static" if "static" in str(getattr(embedder, "name", "")).lower() else "minilm"
        min_sim = VOTE_MIN_SIMILARITY[tier]
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
    return [lab or (INFORMATIONAL,) for lab in labels]


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
