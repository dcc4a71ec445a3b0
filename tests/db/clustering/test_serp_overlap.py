"""SERP-overlap grouping from contract-shaped payloads, the SERP cache, cost and budget."""

from __future__ import annotations

import copy
import json

import pytest

from services.clustering.pages import ClusterOptions
from services.clustering.serp_overlap import normalise_url, serp_groups, top_urls
from services.core.errors import BudgetExceeded, InvalidInputError
from services.keyword_lists import store as list_store
from services.keyword_lists.run import SerpSettings, run_list_clustering
from services.keyword_lists.serp_store import (
    cached_urls,
    estimate_serp_cost,
    fetch_serps,
    live_fetcher,
)
from services.providers.pricing import SERP_ORGANIC_LIVE_ADVANCED
from tests.conftest import CONTRACTS
from tests.fakes.keyword_lists import (
    FakeBudget,
    RecordingClient,
    TrigramEmbedder,
    add_keywords,
)

SAMPLE = json.loads(
    (CONTRACTS / "dataforseo" / "serp_google_organic_live_regular.json").read_text()
)
RESULT = SAMPLE["tasks"][0]["result"]


def payload(urls: list[str]) -> list[dict]:
    """A contract-shaped task result whose organic items are ``urls`` (paid items interleaved)."""
    result = copy.deepcopy(RESULT)
    paid = [i for i in result[0]["items"] if i["type"] != "organic"][:2]
    organic = []
    for rank, url in enumerate(urls, start=1):
        item = copy.deepcopy(next(i for i in RESULT[0]["items"] if i["type"] == "organic"))
        item.update(url=url, rank_group=rank, rank_absolute=rank + len(paid))
        organic.append(item)
    result[0]["items"] = paid + organic[::-1]  # out of order on purpose
    return result


def test_top_urls_takes_organic_items_in_rank_order_from_the_contract_sample():
    urls = top_urls(RESULT)
    assert urls[:3] == [
        "kayak.com/flight-routes/New-York-NYC/San-Francisco-SFO",
        "skyscanner.com/routes/nyca/sfo/new-york-to-san-francisco-international.html",
        "expedia.com/lp/flights/jfk/sfo/new-york-to-san-francisco",
    ]
    assert not any("bookingbuddy" in u or "rome.net" in u for u in urls)  # paid, featured snippet


def test_normalise_url():
    assert normalise_url("https://WWW.Example.com/a/?utm_source=x&id=3#top") == "example.com/a?id=3"
    assert normalise_url("http://example.com/a") == normalise_url("https://www.example.com/a/")


def test_serp_groups_by_shared_urls_with_configurable_minimum():
    a = ["u1", "u2", "u3", "u4"]
    urls = [a, ["u1", "u2", "u3", "x"], ["u1", "u2", "y", "z"], ["q", "r", "s"], []]
    vols = [10, 100, 5, 1, 50]
    labels = serp_groups(["a", "b", "c", "d", "e"], urls, vols, min_shared=3)
    assert labels[0] == labels[1] >= 0 and labels[2] == -1 and labels[3] == -1 and labels[4] == -1
    labels2 = serp_groups(["a", "b", "c", "d", "e"], urls, vols, min_shared=2)
    assert labels2[0] == labels2[1] == labels2[2]
    with pytest.raises(InvalidInputError):
        serp_groups(["a"], [a], [1], min_shared=8)


def serp_answer(table):
    def answer(endpoint, task):
        assert endpoint == SERP_ORGANIC_LIVE_ADVANCED and task["depth"] == 10
        return payload(table[task["keyword"]])

    return answer


TABLE = {
    "wordpress themes": ["a.com/1", "b.com/1", "c.com/1", "d.com/1"],
    "best wordpress templates": ["a.com/1", "b.com/1", "c.com/1", "e.com/1"],
    "wordpress hosting": ["h.com/1", "i.com/1", "j.com/1"],
    "managed wordpress hosting": ["h.com/1", "i.com/1", "j.com/1", "k.com"],
    "wordpress login": ["w.org/login"],
}


def test_fetch_serps_caches_each_keyword_once(engine):
    client = RecordingClient(serp_answer(TABLE), cost=0.002)
    fetch = live_fetcher(client, "United States", "English")
    urls, usage = fetch_serps(
        engine, list(TABLE), fetch, location="United States", language="English"
    )
    assert len(client.posts) == 5 and len(usage) == 5
    assert urls["wordpress hosting"] == ["h.com/1", "i.com/1", "j.com/1"]
    again, usage2 = fetch_serps(
        engine, list(TABLE), fetch, location="United States", language="English"
    )
    assert len(client.posts) == 5 and usage2 == [] and again == urls
    assert set(cached_urls(engine, list(TABLE), "United States", "English")) == set(TABLE)
    assert estimate_serp_cost(engine, [*TABLE, "new one"], "United States", "English") == (1, 0.002)


def test_serp_run_groups_pages_records_cost_and_settles_budget(engine, project_id):
    add_keywords(engine, project_id, [(k, 100 + i) for i, k in enumerate(TABLE)])
    client = RecordingClient(serp_answer(TABLE), cost=0.002)
    budget = FakeBudget()
    serp = SerpSettings(
        fetch=live_fetcher(client, "United States", "English"),
        location="United States",
        language="English",
        min_shared=3,
        budget=budget,
        estimate_usd=0.01,
    )
    emb = TrigramEmbedder()
    summary = run_list_clustering(engine, project_id, lambda n: emb, ClusterOptions(), serp=serp)
    assert summary["method"] == "serp" and summary["cost_usd"] == pytest.approx(0.01)
    assert budget.reserved == [0.01] and budget.settled == [pytest.approx(0.01)]
    view = list_store.list_view(engine, project_id)
    by = view.members.merge(
        view.clusters[["id", "name"]], left_on="cluster_id", right_on="id", how="left"
    )
    name = dict(zip(by["keyword"], by["name"], strict=True))
    assert (
        name["wordpress themes"] == name["best wordpress templates"] == "best wordpress templates"
    )  # 101 > 100
    assert name["managed wordpress hosting"] == name["wordpress hosting"]
    assert view.unclustered["keyword"].tolist() == ["wordpress login"]
    # Reconciliation in SERP mode: a new keyword sharing 3 URLs with an existing centre joins it.
    table = {**TABLE, "wordpress hosting plans": ["h.com/1", "i.com/1", "j.com/1"]}
    add_keywords(engine, project_id, [("wordpress hosting plans", 1)])
    client2 = RecordingClient(serp_answer(table), cost=0.002)
    serp2 = SerpSettings(
        fetch=live_fetcher(client2, "United States", "English"),
        location="United States",
        language="English",
    )
    summary2 = run_list_clustering(engine, project_id, lambda n: emb, ClusterOptions(), serp=serp2)
    assert len(client2.posts) == 1  # everything else came from the cache
    assert len(summary2["diff"]["grown"]) == 1 and summary2["diff"]["new_clusters"] == 0


def test_budget_refusal_happens_before_any_paid_call(engine, project_id):
    add_keywords(engine, project_id, [(k, 1) for k in TABLE])
    client = RecordingClient(serp_answer(TABLE))
    serp = SerpSettings(
        fetch=live_fetcher(client, "United States", "English"),
        location="United States",
        language="English",
        budget=FakeBudget(remaining=0.001),
        estimate_usd=0.01,
    )
    with pytest.raises(BudgetExceeded):
        run_list_clustering(
            engine, project_id, lambda n: TrigramEmbedder(), ClusterOptions(), serp=serp
        )
    assert client.posts == []


def test_one_failed_serp_fetch_is_recorded_for_its_keyword_and_the_rest_go_on(engine):
    from services.core.errors import ProviderError
    from services.providers.base import Usage

    def fetch(keyword: str):
        if keyword == "wordpress hosting":
            raise ProviderError("task failed: 40501", provider="dataforseo")
        return TABLE[keyword], Usage(provider="dataforseo", endpoint="serp", cost_usd=0.002)

    failures: dict[str, str] = {}
    urls, usage = fetch_serps(
        engine,
        list(TABLE),
        fetch,
        location="United States",
        language="English",
        failures=failures,
    )
    assert set(failures) == {"wordpress hosting"} and "40501" in failures["wordpress hosting"]
    assert set(urls) == set(TABLE) - {"wordpress hosting"} and len(usage) == 4
    with pytest.raises(ProviderError):  # without a failures dict the first failure stops
        fetch_serps(engine, ["wordpress hosting"], fetch, location="US2", language="English")


def test_three_failed_fetches_in_a_row_stop_the_run(engine):
    from services.core.errors import ProviderError

    def fetch(keyword: str):
        raise ProviderError("service unavailable", provider="dataforseo", status=503)

    with pytest.raises(ProviderError):
        fetch_serps(
            engine, list(TABLE), fetch, location="United States", language="English", failures={}
        )
