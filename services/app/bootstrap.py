"""Composition root: builds the database and providers from settings.

The app wraps :func:`build_app` once in ``st.cache_resource``; tests call it with their own
settings (or build :class:`services.seed_clusters.api.FunnelDeps` with fakes directly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from services.core.config import Settings, get_settings

if TYPE_CHECKING:  # the features and adapters load when first used, not at import (issue 22)
    from sqlalchemy import Engine

    from services.jobs import JobDeps
    from services.providers.base import Embedder
    from services.providers.registry import ProviderSet
    from services.seed_clusters.api import FunnelDeps


@dataclass
class AppContext:
    """Process-wide singletons: settings and the migrated engine (thread-safe)."""

    settings: Settings
    engine: Engine

    def __post_init__(self) -> None:
        # The composition root is being built: the queue and the adapters get what they need.
        wire_process(self)

    def job_deps(self) -> JobDeps:
        """What background-job handlers get: this engine, the list embedder, this context."""
        from services.jobs import JobDeps

        return JobDeps(engine=self.engine, embedder_factory=_list_embedder, app=self)

    def embedder(self) -> Embedder:
        """The shared funnel embedder (MiniLM int8 ONNX), loaded once per process."""
        from services.providers.embeddings import get_embedder

        return get_embedder("minilm")

    def providers(self) -> ProviderSet:
        """Adapters per the user's choice on the Settings page (offline by default)."""
        from services.core.app_settings import default_provider_choices, get_provider_choices
        from services.projects.keyword_data import KeywordMetricsSQL
        from services.providers.registry import build_providers

        choices = get_provider_choices(self.engine, default_provider_choices(self.settings))
        return build_providers(
            self.settings,
            self.engine,
            self.embedder,
            metrics=KeywordMetricsSQL(self.engine),
            llm_choice=choices.get("llm", "offline"),
            volume_choice=choices.get("volume", "offline"),
        )

    def funnel_plan(self) -> FunnelPlan:
        """Funnel dependencies, provider warnings and the cost preflight, from ONE provider set."""
        from services.seed_clusters.api import FunnelDeps
        from services.spend.budget import BudgetGuard, preflight, run_estimate_usd

        ps = self.providers()
        budget: Any = None
        estimate = None
        if ps.is_paid:
            budget = BudgetGuard(self.engine)
            # The worst case of the run; refuses a model without a price (issue 11).
            estimate = lambda: run_estimate_usd(ps)  # noqa: E731
        deps = FunnelDeps(
            engine=self.engine,
            llm=ps.llm,
            volume=ps.volume,
            embedder_factory=self.embedder,
            fallback_llm=ps.offline_llm if ps.llm is not ps.offline_llm else None,
            budget=budget,
            estimate_usd=estimate,
            # With DataForSEO on, Stage 1 also draws real keywords from Labs suggestions.
            dataforseo_ideas=ps.volume is not None and ps.volume.name == "dataforseo",
            # … and Stage 3 compares the top 10 of its strongest candidates (SERP overlap).
            dataforseo_serps=ps.volume is not None and ps.volume.name == "dataforseo",
        )
        return FunnelPlan(deps=deps, warnings=ps.warnings, preflight=preflight(self.engine, ps))

    def funnel_deps(self) -> tuple[FunnelDeps, list[str]]:
        """Funnel dependencies plus provider warnings to show the user."""
        plan = self.funnel_plan()
        return plan.deps, plan.warnings


@dataclass
class FunnelPlan:
    """What the New Cluster page needs before a run.

    Attributes:
        deps: the funnel's dependencies.
        warnings: why a chosen provider is not in force (missing keys…).
        preflight: ``services.spend.budget.Preflight`` — estimate (USD) next to the budget left.
    """

    deps: FunnelDeps
    warnings: list[str]
    preflight: Any


#: Background-job kind → (module, function) of its handler. The one place that wires job
#: kinds to feature packages; a handler's module is imported when a worker first runs a job of
#: that kind (:class:`_Deferred`), so starting the app does not import every feature.
JOB_HANDLERS: dict[str, tuple[str, str]] = {
    "cluster": ("services.keyword_lists.jobs", "cluster_job"),
    "discovery": ("services.keyword_lists.jobs", "discovery_job"),
    "primary_keywords": ("services.site.api", "primary_keywords_job"),
    "crawl": ("services.site.crawl.api", "crawl_job"),
    "drafts": ("services.content.jobs", "drafts_job"),
    "import": ("services.projects.jobs", "import_job"),
}
#: Kind → (module, function) of ``release(engine, project_id)``: undo what an interrupted job
#: of that kind left half-done (list clustering: keywords in ``clustering`` go back to
#: ``qualified``).
JOB_RELEASE_HOOKS: dict[str, tuple[str, str]] = {
    "cluster": ("services.keyword_lists.store", "reset_clustering"),
    "crawl": ("services.site.crawl.api", "release_interrupted"),
}
#: Kinds that work on the whole project (its pending keywords, its site): at most one queued
#: or running job per project; other kinds refuse only the same parameters twice.
EXCLUSIVE_PER_PROJECT = frozenset({"cluster", "crawl", "primary_keywords"})


@dataclass(frozen=True)
class _Deferred:
    """A function named by module and attribute, imported on its first call."""

    module: str
    name: str

    def load(self) -> Callable[..., Any]:
        """The function itself (imports its module)."""
        function: Callable[..., Any] = getattr(import_module(self.module), self.name)
        return function

    def __call__(self, *args: Any) -> Any:
        return self.load()(*args)


def job_handlers() -> dict[str, Callable[[Any], dict[str, Any]]]:
    """Background-job kind → handler (each takes a :class:`services.jobs.JobContext`)."""
    return {kind: _Deferred(*where).load() for kind, where in JOB_HANDLERS.items()}


def job_release_hooks() -> dict[str, Callable[[Any, Any], Any]]:
    """Job kind → ``release(engine, project_id)``: what an interrupted job leaves half-done.

    Run by :func:`services.jobs.recover_stale` (lease expired, worker gone, SIGTERM) and by a
    cancel that the handler did not answer in time.
    """
    return {kind: _Deferred(*where).load() for kind, where in JOB_RELEASE_HOOKS.items()}


def _list_embedder(n_texts: int) -> Embedder:
    from services.keyword_lists.run import list_embedder

    return list_embedder(n_texts)


def _clear_spend_meter() -> None:
    """No budget hold of an earlier job may meter the next one in a reused worker thread."""
    from services.providers import meter

    meter.activate(None)


def _settle_dead_holds(engine: Engine) -> None:
    from services.spend.budget import recover_stale_reservations

    recover_stale_reservations(engine)


def register_jobs(app: AppContext | None = None) -> None:
    """Hand the queue (:mod:`services.jobs`) its handlers, hooks and dependencies.

    Runs when the app, the CLI or a worker starts (building an :class:`AppContext` calls it;
    the worker entry point :mod:`services.app.jobs` too). Idempotent.

    Parameters
    ----------
    app : AppContext, optional
        Handlers get this context's engine and providers unless dependencies were installed
        already (tests); default: a context built from settings on the first job.
    """
    from services import jobs

    hooks = JOB_RELEASE_HOOKS
    for kind, where in JOB_HANDLERS.items():
        jobs.register(
            kind,
            _Deferred(*where),
            _Deferred(*hooks[kind]) if kind in hooks else None,
            exclusive_per_project=kind in EXCLUSIVE_PER_PROJECT,
        )
    jobs.add_hooks(on_job_boundary=_clear_spend_meter, on_sweep=_settle_dead_holds)
    if app is not None:
        jobs.registry.set_deps(default_factory=app.job_deps)
    else:
        jobs.registry.set_deps(default_factory=lambda: build_app().job_deps())


def wire_process(app: AppContext | None = None) -> None:
    """What the app, the CLI and a worker do at start: the job queue learns its handlers
    (:func:`register_jobs`) and the adapters learn how an engine becomes their
    :class:`~services.providers.base.KeywordMetricsStore` (for callers that still pass one).

    Idempotent; building an :class:`AppContext` calls it.
    """
    from services.projects.keyword_data import KeywordMetricsSQL
    from services.providers.base import set_metrics_store_factory

    set_metrics_store_factory(KeywordMetricsSQL)
    register_jobs(app)


def build_app(settings: Settings | None = None) -> AppContext:
    """Start-up: settings, Fernet key, engine, migrations."""
    from db.session import init_db

    settings = settings or get_settings()
    engine = init_db(
        settings.database_url,
        secret_key=settings.secret_key,
        key_file=settings.secret_key_file,
        legacy_key_files=(settings.legacy_key_file,),
    )
    return AppContext(settings=settings, engine=engine)
