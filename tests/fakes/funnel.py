"""Recording fakes for the funnel's ports (no network, deterministic)."""

from __future__ import annotations

from fakes.embedder import HashEmbedder as HashingEmbedder  # noqa: F401 (re-exported)
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import (
    Candidate,
    ExpansionResult,
    FilterDecision,
    FilterResult,
    KeywordData,
    Usage,
    VolumeResult,
)


class ScriptedLLM:
    """An LLMProvider returning scripted candidates/decisions and recording requests."""

    name = "scripted"

    def __init__(self, candidates=None, *, expand_error=None, filter_error=None, confidences=None):
        self.candidates = candidates or []
        self.expand_error = expand_error
        self.filter_error = filter_error
        self.confidences = confidences or {}
        self.expand_requests = []
        self.filter_requests = []

    def expand(self, request):
        self.expand_requests.append(request)
        if self.expand_error:
            raise ProviderError(self.expand_error, provider=self.name)
        cands = [
            Candidate(
                keyword=kw,
                expansion_strategy=strategy,
                rationale=f"why {kw}",
                estimated_intent="commercial",
            )
            for kw, strategy in self.candidates
        ]
        return ExpansionResult(
            candidates=cands, usage=[Usage(provider=self.name, endpoint="expand", cost_usd=0.002)]
        )

    def filter(self, request):
        self.filter_requests.append(request)
        if self.filter_error:
            raise ProviderError(self.filter_error, provider=self.name)
        decisions = [
            FilterDecision(
                keyword=c.keyword,
                keep=self.confidences.get(c.keyword, 0.8) >= 0.35,
                role="parent" if c.keyword == normalize_keyword(request.seed) else "child",
                reason=f"scripted reason for {c.keyword}",
                confidence=self.confidences.get(c.keyword, 0.8),
            )
            for c in request.candidates
        ]
        return FilterResult(
            decisions=decisions,
            usage=[Usage(provider=self.name, endpoint="filter", cost_usd=0.003)],
        )


class DictVolume:
    """A VolumeProvider over a dict keyword → volume; counts batch calls."""

    name = "dict"

    def __init__(self, volumes, *, error=None):
        self.volumes = {normalize_keyword(k): v for k, v in volumes.items()}
        self.error = error
        self.calls: list[list[str]] = []

    def lookup(self, keywords, *, project_id=None):
        self.calls.append(list(keywords))
        if self.error:
            raise ProviderError(self.error, provider=self.name)
        data = {
            normalize_keyword(k): KeywordData(
                keyword=normalize_keyword(k),
                search_volume=self.volumes[normalize_keyword(k)],
                cpc=1.2,
                competition=0.4,
                competition_level="MEDIUM",
                source="dict",
            )
            for k in keywords
            if normalize_keyword(k) in self.volumes
        }
        return VolumeResult(
            data=data, usage=[Usage(provider=self.name, endpoint="volume", cost_usd=0.075)]
        )


TRAIL_CANDIDATES = [
    ("trail running shoes", "attribute"),
    ("women's trail running shoes", "demographic"),
    ("trail running shoes for women", "demographic"),
    ("men's trail running shoes", "demographic"),
    ("waterproof trail running shoes", "attribute"),
    ("cheap trail running shoes", "price/value"),
    ("trail running shoes for ultramarathons", "use-case"),
    ("best trail running shoes", "comparison/intent"),
    ("winter trail running shoes", "seasonal/occasion"),
    ("gore-tex trail running shoes", "material/type"),
    ("trail running shoes for beginners", "experience level"),
    ("trail running shoes for wide feet", "problem/solution"),
    ("rocky terrain trail running shoes", "terrain/environment"),
    ("vegan trail running shoes", "values/lifestyle"),
    ("lightweight trail running shoes", "attribute"),
    ("zero drop trail running shoes", "attribute"),
    ("kids trail running shoes", "demographic"),
    ("trail running shoes sale", "price/value"),
]
TRAIL_VOLUMES = {
    "trail running shoes": 60500,
    "women's trail running shoes": 9900,
    "trail running shoes for women": 1300,
    "men's trail running shoes": 8100,
    "waterproof trail running shoes": 4400,
    "cheap trail running shoes": 880,
    "trail running shoes for ultramarathons": 30,
    "best trail running shoes": 27100,
    "winter trail running shoes": 720,
    "gore-tex trail running shoes": 1600,
    "trail running shoes for beginners": 390,
    "trail running shoes for wide feet": 1900,
    "rocky terrain trail running shoes": 20,
    "vegan trail running shoes": 260,
    "lightweight trail running shoes": 590,
    "zero drop trail running shoes": 1000,
    "kids trail running shoes": 480,
    "trail running shoes sale": 2900,
}
BRAND = {
    "company_name": "Ridgeline Running",
    "products": ["trail running shoes", "running socks"],
    "price_point": "premium",
    "primary_persona": "ultra runners training on mountain trails",
    "competitors": ["Salomon", "Hoka"],
}
