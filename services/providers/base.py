"""Ports for outside services and the value objects that cross them.

Every outside service sits behind one of these ``typing.Protocol`` ports, with a real
adapter and an offline adapter that needs no key and no network:

* :class:`LLMProvider`  — funnel Stage 1 (expand) and Stage 3 (filter).
* :class:`VolumeProvider` — funnel Stage 2 (one batch lookup of search volume, CPC, competition).
* :class:`Embedder` — sentence embeddings for relevance, near-duplicates and clustering.

Adapters get what they need from the project's data through :class:`KeywordMetricsStore`
(built by the composition root), so providers import neither the feature packages nor ``db``.

Units used throughout: search volume in searches/month, CPC in USD, competition 0-1
(Google Ads competition index / 100), keyword difficulty 0-100, confidence 0-1, cost USD.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from pydantic import BaseModel

#: The 11 modifier strategies of the owner's funnel design (D2), in prompt order.
EXPANSION_STRATEGIES: tuple[str, ...] = (
    "demographic",
    "attribute",
    "price/value",
    "use-case",
    "comparison/intent",
    "seasonal/occasion",
    "material/type",
    "experience level",
    "problem/solution",
    "terrain/environment",
    "values/lifestyle",
)

#: Search intents (Semrush / DataForSEO vocabulary).
SEARCH_INTENTS: tuple[str, ...] = ("informational", "commercial", "transactional", "navigational")

Role = Literal["parent", "child"]


@dataclass(frozen=True)
class BrandProfile:
    """Brand context injected into Stage 1 and Stage 3.

    Attributes:
        company_name: the brand's name.
        products: product lines sold (free text items).
        price_point: e.g. "premium", "budget", "mid-range".
        primary_persona: the target audience in a phrase.
        competitors: competitor brand names.
    """

    company_name: str = ""
    products: tuple[str, ...] = ()
    price_point: str = ""
    primary_persona: str = ""
    competitors: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BrandProfile:
        """Build from a project's ``brand_config`` JSON (missing keys → empty)."""
        data = data or {}

        def _list(value: Any) -> tuple[str, ...]:
            if isinstance(value, str):
                value = [part for part in value.replace("\n", ",").split(",")]
            return tuple(str(v).strip() for v in (value or []) if str(v).strip())

        return cls(
            company_name=str(data.get("company_name") or "").strip(),
            products=_list(data.get("products")),
            price_point=str(data.get("price_point") or "").strip(),
            primary_persona=str(data.get("primary_persona") or "").strip(),
            competitors=_list(data.get("competitors")),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the inverse of :meth:`from_dict`."""
        return {
            "company_name": self.company_name,
            "products": list(self.products),
            "price_point": self.price_point,
            "primary_persona": self.primary_persona,
            "competitors": list(self.competitors),
        }

    def to_prompt_text(self) -> str:
        """Multi-line brand block for LLM prompts (brand foundation, audience, competitors)."""
        return "\n".join(
            [
                f"Company: {self.company_name or 'n/a'}",
                f"Products: {', '.join(self.products) or 'n/a'}",
                f"Price point: {self.price_point or 'n/a'}",
                f"Primary persona: {self.primary_persona or 'n/a'}",
                f"Competitors: {', '.join(self.competitors) or 'n/a'}",
            ]
        )


@dataclass
class Candidate:
    """One keyword candidate moving through the funnel.

    Stage 1 fills keyword, expansion_strategy, rationale, estimated_intent, role_hint,
    source; Stage 2 fills the metrics and ``low_volume``.
    """

    keyword: str
    expansion_strategy: str
    rationale: str = ""
    estimated_intent: str = "commercial"
    role_hint: Role = "child"
    source: str = "llm"  # llm | lexicon | universe
    search_volume: int | None = None  # searches/month
    cpc: float | None = None  # USD
    competition: float | None = None  # 0-1
    competition_level: str | None = None  # LOW | MEDIUM | HIGH
    low_volume: bool = False  # flagged in Stage 2 when volume < 50 or unknown


@dataclass(frozen=True)
class KeywordData:
    """Search metrics of one keyword from a volume source."""

    keyword: str
    search_volume: int | None = None  # searches/month
    cpc: float | None = None  # USD
    competition: float | None = None  # 0-1
    competition_level: str | None = None
    keyword_difficulty: float | None = None  # 0-100
    intent: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Usage:
    """One billable (or zero-cost offline) call, logged as an ``APIUsage`` row."""

    provider: str
    endpoint: str
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 1
    cost_usd: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpansionRequest:
    """Stage 1 input."""

    seed: str
    brand: BrandProfile
    project_id: Any = None
    min_candidates: int = 15
    max_candidates: int = 20


@dataclass
class ExpansionResult:
    """Stage 1 output: 15-20 candidates (the seed first, role_hint "parent")."""

    candidates: list[Candidate]
    usage: list[Usage] = field(default_factory=list)


@dataclass(frozen=True)
class FilterRequest:
    """Stage 3 input: enriched candidates plus the rules of the spec."""

    seed: str
    brand: BrandProfile
    candidates: tuple[Candidate, ...]
    project_id: Any = None
    min_keep: int = 8
    max_keep: int = 12
    volume_floor: int = 50


@dataclass(frozen=True)
class FilterDecision:
    """Stage 3 verdict on one candidate. ``confidence`` is 0-1 (relevance = confidence·100)."""

    keyword: str
    keep: bool
    role: Role
    reason: str
    confidence: float


@dataclass
class FilterResult:
    """Stage 3 output: one decision per candidate."""

    decisions: list[FilterDecision]
    usage: list[Usage] = field(default_factory=list)


@dataclass
class VolumeResult:
    """Stage 2 output.

    Attributes:
        data: normalised keyword → metrics; keywords the source does not know are absent.
        usage: calls made (one batch request in the funnel).
        skipped: keyword → reason for keywords not sent (e.g. > 80 characters).
    """

    data: dict[str, KeywordData]
    usage: list[Usage] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class LLMProvider(Protocol):
    """Stage 1 and Stage 3 of the funnel. Raises ``ProviderError`` on failure."""

    name: str

    def expand(self, request: ExpansionRequest) -> ExpansionResult:
        """Return 15-20 candidates over the 11 strategies, the seed first as parent."""
        ...

    def filter(self, request: FilterRequest) -> FilterResult:
        """Return keep/drop, role, reason and confidence (0-1) for every candidate."""
        ...


@runtime_checkable
class VolumeProvider(Protocol):
    """Stage 2 of the funnel: ONE batch lookup. Raises ``ProviderError`` when unavailable."""

    name: str

    def lookup(self, keywords: Sequence[str], *, project_id: Any = None) -> VolumeResult:
        """Metrics for ``keywords`` in one batch."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """Sentence embeddings, offline. Rows are L2-normalised float32, so dot = cosine."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` → array of shape (len(texts), dim), float32, unit rows."""
        ...


@runtime_checkable
class KeywordMetricsStore(Protocol):
    """The project's stored keyword metrics (``KeywordMetric`` rows), as adapters need them.

    A port: the SQL implementation is
    :class:`services.projects.keyword_data.KeywordMetricsSQL`, built by the composition root
    and handed to the offline volume provider, the offline LLM and the DataForSEO cache. Each
    method is one short read or one write transaction of its own.
    """

    def locale(self, project_id: Any) -> tuple[str, str] | None:
        """(location_name, language_name) of the project; None (or empty parts) when unset."""
        ...

    def lookup(
        self,
        project_id: Any,
        keywords: Sequence[str],
        *,
        source: str | None = None,
        fetched_after: datetime | None = None,
    ) -> dict[str, KeywordData]:
        """Stored metrics of ``keywords`` (normalised), optionally of one source and age."""
        ...

    def has_keywords(self, project_id: Any) -> bool:
        """True when the project holds at least one keyword row."""
        ...

    def save_fetched(
        self, project_id: Any, data: dict[str, KeywordData], *, source: str, fetched_at: datetime
    ) -> None:
        """Upsert fetched volume metrics (keeps difficulty, intent and status of a row)."""
        ...

    def imported_stamp(self, project_id: Any) -> tuple[Any, ...]:
        """A value that changes whenever the project's imported keywords change."""
        ...

    def imported_keywords(self, project_id: Any) -> list[tuple[str, int | None, str | None]]:
        """(keyword, search volume, intent) of every imported row (not provider caches)."""
        ...


_store_factory: Callable[[Any], KeywordMetricsStore] | None = None


def set_metrics_store_factory(factory: Callable[[Any], KeywordMetricsStore]) -> None:
    """Install how an engine becomes a :class:`KeywordMetricsStore` (the composition root)."""
    global _store_factory
    _store_factory = factory


def metrics_store(source: Any) -> KeywordMetricsStore:
    """``source`` when it is a :class:`KeywordMetricsStore`, else the store of that engine.

    Adapters accepted an engine before the port existed; for one release an engine is still
    accepted and wrapped by the factory the composition root installed.

    Raises
    ------
    TypeError
        ``source`` is an engine and no factory was installed.
    """
    if isinstance(source, KeywordMetricsStore):
        return source
    if _store_factory is None:
        raise TypeError(
            "Pass a KeywordMetricsStore (services.projects.keyword_data.KeywordMetricsSQL); "
            "no store factory is installed for an engine."
        )
    return _store_factory(source)


# --------------------------------------------------------------------------- structured generation (content)
#: A pydantic model class describing the JSON answer of one structured call.
ModelT = TypeVar("ModelT", bound="BaseModel")


@runtime_checkable
class StructuredGenerator(Protocol):
    """One structured LLM call with our own prompts (content briefs → drafts, issue 10).

    The live LLM adapters implement it with the same validate-or-repair flow as the funnel
    stages (one repair call after an invalid answer). Raises ``ProviderError`` on API
    failure and ``StructuredOutputError`` (a ``ProviderError``) when the answer is invalid
    twice; both carry the billed calls as ``exc.usage``.
    """

    name: str

    def generate(
        self,
        system: str,
        user: str,
        schema: type[ModelT],
        *,
        max_tokens: int,
        purpose: str,
    ) -> tuple[ModelT, list[Usage]]:
        """Answer ``user`` as JSON matching ``schema``.

        Parameters
        ----------
        system, user : str
            System prompt and user prompt.
        schema : type[pydantic.BaseModel]
            The answer's model; the strict JSON schema sent is derived from it.
        max_tokens : int
            Output token limit (sent where the API takes one).
        purpose : str
            Short label for usage rows and messages, e.g. "draft".

        Returns
        -------
        tuple
            The validated answer and the ``Usage`` of each call made (1 or 2).
        """
        ...
