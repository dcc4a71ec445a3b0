"""Composition root: builds the database and providers from settings.

The app wraps :func:`build_app` once in ``st.cache_resource``; tests call it with their own
settings (or build :class:`services.seed_clusters.api.FunnelDeps` with fakes directly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from db.session import init_db
from services.core.config import Settings, get_settings
from services.providers.base import Embedder
from services.providers.registry import ProviderSet, build_providers
from services.seed_clusters.api import FunnelDeps


@dataclass
class AppContext:
    """Process-wide singletons: settings and the migrated engine (thread-safe)."""

    settings: Settings
    engine: Engine

    def embedder(self) -> Embedder:
        """The shared funnel embedder (MiniLM int8 ONNX), loaded once per process."""
        from services.providers.embeddings import get_embedder

        return get_embedder("minilm")

    def providers(self) -> ProviderSet:
        """Adapters per the user's choice on the Settings page (offline by default)."""
        from services.core.app_settings import default_provider_choices, get_provider_choices

        choices = get_provider_choices(self.engine, default_provider_choices(self.settings))
        return build_providers(
            self.settings,
            self.engine,
            self.embedder,
            llm_choice=choices.get("llm", "offline"),
            volume_choice=choices.get("volume", "offline"),
        )

    def funnel_plan(self) -> FunnelPlan:
        """Funnel dependencies, provider warnings and the cost preflight, from ONE provider set."""
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


def job_handlers() -> dict[str, Callable[[Any], dict[str, Any]]]:
    """Background-job kind → handler (each takes a :class:`services.app.jobs.JobContext`).

    The one place that wires job kinds to feature packages; modules are imported here, when a
    worker first needs a handler, not when the queue module is imported.
    """
    from services.content.jobs import drafts_job
    from services.keyword_lists.jobs import cluster_job, discovery_job
    from services.projects.jobs import import_job
    from services.site.api import primary_keywords_job
    from services.site.crawl.api import crawl_job

    return {
        "cluster": cluster_job,
        "discovery": discovery_job,
        "primary_keywords": primary_keywords_job,
        "crawl": crawl_job,
        "drafts": drafts_job,
        "import": import_job,
    }


def job_release_hooks() -> dict[str, Callable[[Any, Any], Any]]:
    """Job kind → ``release(engine, project_id)``: what an interrupted job leaves half-done.

    Run by :func:`services.app.jobs.recover_stale` (lease expired, worker gone, SIGTERM) and
    by a cancel that the handler did not answer in time.
    """
    from services.keyword_lists.store import reset_clustering
    from services.site.crawl.api import release_interrupted

    return {"cluster": reset_clustering, "crawl": release_interrupted}


def build_app(settings: Settings | None = None) -> AppContext:
    """Start-up: settings, Fernet key, engine, migrations."""
    settings = settings or get_settings()
    engine = init_db(
        settings.database_url,
        secret_key=settings.secret_key,
        key_file=settings.secret_key_file,
        legacy_key_files=(settings.legacy_key_file,),
    )
    return AppContext(settings=settings, engine=engine)
