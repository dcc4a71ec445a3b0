"""Job handlers of keyword lists (run by :mod:`services.app.jobs` in a huey worker).

``cluster``   params: ``{"options": ClusterOptions.to_dict(), "serp": {"min_shared": 3} | None}``
``discovery`` params: ``DiscoveryRequest.to_dict()``
"""

from __future__ import annotations

from typing import Any

from db.models import Project
from db.session import session_scope
from services.clustering.pages import ClusterOptions
from services.clustering.serp_overlap import DEFAULT_MIN_SHARED
from services.core.errors import InvalidInputError
from services.keyword_lists.discovery import DiscoveryRequest, run_discovery
from services.keyword_lists.run import SerpSettings, run_list_clustering
from services.keyword_lists.serp_store import estimate_serp_cost, live_fetcher


def project_locale(engine: Any, project_id: Any) -> tuple[str, str]:
    """(location_name, language_name) of the project (United States / English by default)."""
    with session_scope(engine) as s:
        p = s.get(Project, project_id)
        if p is None:
            return "United States", "English"
        return p.location_name or "United States", p.language_name or "English"


def dataforseo_client(deps: Any) -> Any:
    """The DataForSEO HTTP client when DataForSEO is the chosen, configured provider, else None."""
    fake = deps.extras.get("dataforseo_client") if deps.extras else None
    if fake is not None:
        return fake
    if deps.app is None:
        return None
    volume = deps.app.providers().volume
    return getattr(volume, "client", None) if getattr(volume, "name", "") == "dataforseo" else None


def budget_guard(deps: Any) -> Any:
    """The monthly budget guard (reserve/settle) of paid runs."""
    fake = deps.extras.get("budget") if deps.extras else None
    if fake is not None:
        return fake
    from services.spend.budget import BudgetGuard

    return BudgetGuard(deps.engine)


def cluster_job(ctx: Any) -> dict[str, Any]:
    """Cluster the project's pending keywords (semantic, or SERP overlap when asked)."""
    options = ClusterOptions.from_dict(ctx.params.get("options"))
    serp_params = ctx.params.get("serp")
    serp = None
    if serp_params:
        client = dataforseo_client(ctx.deps)
        if client is None:
            raise InvalidInputError(
                "SERP grouping needs DataForSEO: choose it on the Settings page and set its keys."
            )
        location, language = project_locale(ctx.engine, ctx.project_id)
        from services.keyword_lists.store import load_pending

        words = load_pending(ctx.engine, ctx.project_id)["keyword"].tolist()
        _missing, estimate = estimate_serp_cost(ctx.engine, words, location, language)
        serp = SerpSettings(
            fetch=live_fetcher(client, location, language),
            location=location,
            language=language,
            min_shared=int(serp_params.get("min_shared", DEFAULT_MIN_SHARED)),
            budget=budget_guard(ctx.deps),
            estimate_usd=estimate,
        )
    return run_list_clustering(
        ctx.engine,
        ctx.project_id,
        ctx.deps.embedder_factory,
        options,
        serp=serp,
        progress=ctx.progress,
        evidence=ctx.params.get("evidence"),
    )


def discovery_job(ctx: Any) -> dict[str, Any]:
    """Discover candidates for up to 10 seeds (live when DataForSEO is configured and asked)."""
    request = DiscoveryRequest.from_dict(ctx.params)
    client = dataforseo_client(ctx.deps) if request.live else None
    location, language = project_locale(ctx.engine, ctx.project_id)
    result = run_discovery(
        ctx.engine,
        ctx.project_id,
        request,
        client=client,
        budget=budget_guard(ctx.deps) if request.live else None,
        location=location,
        language=language,
        progress=ctx.progress,
    )
    return result.summary()
