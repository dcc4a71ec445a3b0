"""Discovery: seed limits, filters and defaults, offline universe, live DataForSEO payloads."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

from db.models import APIUsage, KeywordMetric
from db.session import session_scope
from services.core.errors import BudgetExceeded, InvalidInputError
from services.keyword_lists import discovery
from services.providers.pricing import KEYWORD_SUGGESTIONS_LIVE
from tests.conftest import CONTRACTS
from tests.fakes.keyword_lists import FakeBudget, RecordingClient, add_keywords

SUGGESTIONS = json.loads(
    (
        CONTRACTS / "dataforseo" / "dataforseo_labs_google_keyword_suggestions_live.normalized.json"
    ).read_text()
)


def test_more_than_ten_seeds_is_refused_with_a_clear_message():
    with pytest.raises(InvalidInputError, match="At most 10 seed keywords.*you entered 11"):
        discovery.parse_seeds("\n".join(f"seed {i}" for i in range(11)))
    assert len(discovery.parse_seeds(", ".join(f"seed {i}" for i in range(10)))) == 10
    with pytest.raises(InvalidInputError, match="at least one"):
        discovery.parse_seeds(" \n, ")
    assert discovery.parse_seeds("Trail Shoes\ntrail shoes") == ("trail shoes",)


def test_defaults_match_the_issue():
    req = discovery.validate("wordpress themes")
    assert (req.min_volume, req.max_kd, req.limit, req.intents, req.live) == (
        500,
        20.0,
        50,
        (),
        False,
    )
    with pytest.raises(InvalidInputError):
        discovery.validate("x", intents=["curious"])
    with pytest.raises(InvalidInputError):
        discovery.validate("x", max_kd=120)


def candidates(n=80):
    return pd.DataFrame(
        {
            "keyword": [f"kw {i}" for i in range(n)],
            "search_volume": [i * 20 for i in range(n)],
            "keyword_difficulty": [None if i % 10 == 0 else i % 40 for i in range(n)],
            "intent": ["commercial" if i % 2 else "informational,transactional" for i in range(n)],
        }
    )


def test_filters_volume_kd_intent_and_limit():
    req = discovery.validate("kw", intents=["transactional"], limit=5)
    kept, removed = discovery.apply_filters(candidates(), req)
    assert len(kept) == 5 and removed["limit"] > 0
    assert (kept["search_volume"] >= 500).all()
    assert kept["keyword_difficulty"].isna().any()  # unknown difficulty passes the cap
    assert (kept["keyword_difficulty"].fillna(0) <= 20).all()
    assert kept["intent"].str.contains("transactional").all()
    assert kept["search_volume"].is_monotonic_decreasing
    assert removed["min_volume"] == 25


def test_offline_discovery_filters_the_universe_and_skips_placed_keywords(engine, project_id):
    add_keywords(
        engine,
        project_id,
        [
            {"keyword": "wordpress themes", "search_volume": 9000, "keyword_difficulty": 10},
            {
                "keyword": "free wordpress themes",
                "search_volume": 2000,
                "keyword_difficulty": 15,
                "intent": "transactional",
            },
            {
                "keyword": "themes for wordpress blogs",
                "search_volume": 800,
                "keyword_difficulty": 5,
            },
            {"keyword": "wordpress theme hard", "search_volume": 5000, "keyword_difficulty": 60},
            {"keyword": "wordpress theme tiny", "search_volume": 100, "keyword_difficulty": 1},
            {"keyword": "wordpress plugins", "search_volume": 7000, "keyword_difficulty": 1},
        ],
    )
    add_keywords(
        engine,
        project_id,
        [{"keyword": "wordpress themes 2025", "search_volume": 3000}],
        status="clustered",
    )
    req = discovery.validate("WordPress themes")
    result = discovery.run_discovery(engine, project_id, req)
    assert result.candidates["keyword"].tolist() == [
        "free wordpress themes",
        "themes for wordpress blogs",
    ]
    assert result.skipped_existing == 1
    assert result.filtered_out["max_kd"] == 1 and result.filtered_out["min_volume"] == 1
    assert result.usage == [] and result.cost_usd == 0


def suggestions_answer(endpoint, task):
    assert endpoint == KEYWORD_SUGGESTIONS_LIVE
    assert task["include_serp_info"] is True and task["limit"] == discovery.FETCH_PER_SEED
    result = json.loads(json.dumps(SUGGESTIONS["tasks"][0]["result"]))
    item = result[0]["items"][0]
    extra = json.loads(json.dumps(item))
    extra["keyword"] = f"{task['keyword']} deals"
    extra["keyword_info"]["search_volume"] = 900
    result[0]["items"].append(extra)
    return result


def test_live_discovery_parses_contract_payload_skips_known_and_saves_discovered(
    engine, project_id
):
    add_keywords(engine, project_id, [("boost cell phone", 10)])
    client = RecordingClient(suggestions_answer, cost=0.0101)
    budget = FakeBudget()
    req = discovery.validate(
        ["boost cell phone", "prepaid phones"], min_volume=0, max_kd=None, live=True
    )
    preview = discovery.preview_cost(req)
    assert preview.requests == 2 and preview.usd == pytest.approx(2 * 0.01 + 400 * 0.0001)
    result = discovery.run_discovery(engine, project_id, req, client=client, budget=budget)
    assert [t["keyword"] for _e, t in client.posts] == ["boost cell phone", "prepaid phones"]
    assert budget.reserved == [preview.usd] and budget.settled == [pytest.approx(0.0202)]
    row = result.candidates.set_index("keyword").loc["boost cell phone deals"]
    assert row["search_volume"] == 900 and row["intent"] == "transactional"
    assert "people_also_ask" in row["serp_features"] and "organic" not in row["serp_features"]
    assert result.skipped_existing >= 1  # "boost cell phone" was already in the project
    assert result.saved == len(result.candidates) == 3  # "phone" (the sample item) + two deals
    with session_scope(engine) as s:
        st = dict(s.execute(select(KeywordMetric.keyword, KeywordMetric.status)).all())
        assert (
            st["boost cell phone deals"] == "discovered" and st["boost cell phone"] == "qualified"
        )
        assert s.execute(select(APIUsage)).scalars().all()  # cost logged
    assert discovery.qualify(engine, project_id, ["boost cell phone deals"]) == 1


def test_live_run_refused_over_budget_before_any_call(engine, project_id):
    client = RecordingClient(suggestions_answer)
    req = discovery.validate("boost cell phone", live=True)
    with pytest.raises(BudgetExceeded):
        discovery.run_discovery(
            engine, project_id, req, client=client, budget=FakeBudget(remaining=0.0)
        )
    assert client.posts == []
    with pytest.raises(InvalidInputError, match="DataForSEO"):
        discovery.run_discovery(engine, project_id, req, client=None)
