"""Out-of-range DataForSEO volumes never reach the database (issue 11 item 4): on PostgreSQL a
volume of 10¹² used to fail the INTEGER write after the request was paid."""

from __future__ import annotations

import pybreaker
from sqlalchemy import select

from db.models import KeywordMetric
from db.session import session_scope
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider
from tests.fakes.contracts import search_volume_reply
from tests.fakes.http_server import FakeServer

SV = "/v3/keywords_data/google_ads/search_volume/live"


def test_absurd_negative_and_huge_volumes_are_stored_safely(engine, project_id):
    metrics = {
        "trail shoes": {"search_volume": 10**12},
        "hiking boots": {"search_volume": -5},
        "running shoes": {"search_volume": 5 * 10**9},
        "rain jackets": {"search_volume": 880},
    }
    with FakeServer() as server:
        server.route(SV, search_volume_reply(metrics))
        client = DataForSEOClient(
            "login",
            "password",
            base_url=server.url,
            breaker=pybreaker.CircuitBreaker(fail_max=50, reset_timeout=60),
        )
        result = DataForSEOVolumeProvider(client, engine).lookup(
            list(metrics), project_id=project_id
        )
    assert {k: v.search_volume for k, v in result.data.items()} == {
        "trail shoes": None,
        "hiking boots": None,
        "running shoes": 2**31 - 1,
        "rain jackets": 880,
    }
    notes = result.usage[0].metadata["notes"]
    assert set(notes) == {"trail shoes", "hiking boots", "running shoes"}
    assert result.usage[0].cost_usd == 0.075  # the paid request is logged
    with session_scope(engine) as s:
        stored = dict(
            s.execute(
                select(KeywordMetric.keyword, KeywordMetric.search_volume).where(
                    KeywordMetric.project_id == project_id
                )
            ).all()
        )
    assert stored == {
        "trail shoes": None,
        "hiking boots": None,
        "running shoes": 2**31 - 1,
        "rain jackets": 880,
    }
