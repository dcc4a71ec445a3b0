"""Candidate metrics and scores of the primary-keyword run. Pure (providers passed in).

Relevance is the LLM filter's confidence when there is one, else the MiniLM cosine between
keyword and page text (:func:`services.site.primary.relevance_from_cosine`); volume and
competition come from the project's imported metrics first, then the volume provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from services.providers.base import Embedder
from services.site.primary import Candidate, PageInput, relevance_from_cosine, score_candidate


def without_volume(per_page: list[list[Candidate]], metrics: pd.DataFrame | None) -> list[str]:
    """Candidate keywords the project's imported metrics hold no volume for (sorted)."""
    known = set(metrics.index[metrics["search_volume"].notna()]) if metrics is not None else set()
    return sorted({c.keyword for cands in per_page for c in cands} - known)


def _fill_metrics(cand: Candidate, metrics: pd.DataFrame | None, enriched: dict[str, Any]) -> None:
    """Volume and competition: the project's imported metrics first, then the provider's."""
    if metrics is not None and cand.keyword in metrics.index:
        row = metrics.loc[cand.keyword]
        if cand.search_volume is None and pd.notna(row["search_volume"]):
            cand.search_volume = float(row["search_volume"])
        if pd.notna(row["competition"]):
            cand.competition = float(row["competition"])
    data = enriched.get(cand.keyword)
    if data is not None:
        if cand.search_volume is None and data.search_volume is not None:
            cand.search_volume = float(data.search_volume)
        if cand.competition is None and data.competition is not None:
            cand.competition = float(data.competition)


def score_all(
    pages: Sequence[PageInput],
    per_page: list[list[Candidate]],
    llm_conf: list[dict[str, float]],
    metrics: pd.DataFrame | None,
    enriched: dict[str, Any],
    embedder: Embedder,
) -> int:
    """Relevance (LLM confidence, else cosine), metrics and score of every candidate.

    Parameters
    ----------
    pages : sequence of PageInput
    per_page : list of list of Candidate
        Candidates per page (same order), scored in place.
    llm_conf : list of dict
        Per page, keyword → LLM filter confidence (0-1); empty offline.
    metrics : pandas.DataFrame or None
        The project's keyword metrics indexed by keyword (``search_volume``, ``competition``).
    enriched : dict
        keyword → provider ``KeywordData`` for keywords the metrics lack.
    embedder : Embedder

    Returns
    -------
    int
        Candidates scored.
    """
    keywords = sorted({c.keyword for cands in per_page for c in cands})
    vectors = embedder.embed(keywords) if keywords else np.zeros((0, 1), dtype=np.float32)
    index = {k: i for i, k in enumerate(keywords)}
    page_vectors = embedder.embed([p.text for p in pages])
    scored = 0
    for i, cands in enumerate(per_page):
        if not cands:
            continue
        relevance = relevance_from_cosine(
            vectors[[index[c.keyword] for c in cands]] @ page_vectors[i]
        )
        for cand, rel in zip(cands, relevance, strict=True):
            cand.relevance = llm_conf[i].get(cand.keyword, float(rel))
            _fill_metrics(cand, metrics, enriched)
            score_candidate(cand)
        scored += len(cands)
    return scored
