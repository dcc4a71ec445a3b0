"""Stage 3 rules without a database: one page per search, sources, pre-selection, covered
pages, integer volumes, score parts (issue 8, points 3-5)."""

import numpy as np
import pandas as pd
import pytest
from fakes.embedder import HashEmbedder

from services.core.errors import InvalidInputError, ProviderError
from services.providers.base import Candidate, ExpansionRequest, ExpansionResult
from services.seed_clusters.api import thin_data_message, validate_seed
from services.seed_clusters.expand import run_stage1
from services.seed_clusters.review import to_decisions
from services.seed_clusters.select import decide, find_same_search
from services.seed_clusters.site_rules import SiteSettings


class AliasEmbedder(HashEmbedder):
    """Hash embedder that also knows one brand short form (as MiniLM would say)."""

    dim = 4096

    def embed(self, texts):
        return super().embed([t.replace("american express", "amex") for t in texts])


def _cand(kw, volume, source="data", intent="commercial"):
    return Candidate(
        keyword=kw,
        expansion_strategy="comparison/intent",
        estimated_intent=intent,
        source=source,
        search_volume=volume,
        competition=0.3,
    )


CHILDREN = [
    ("amex platinum vs chase reserve", 2400),
    ("american express platinum vs chase sapphire reserve", 1300),
    ("compare amex platinum and chase sapphire reserve", 90),
    ("chase reserve vs amex platinum", 70),
    ("best travel credit cards", 33100),
    ("best travel credit card", 6600),
    ("travel credit cards for beginners", 880),
    ("no annual fee travel credit cards", 2900),
    ("travel credit cards with no foreign transaction fee", 1600),
    ("amex travel cards", 1400),
    ("capital one travel cards", 1200),
]


def test_same_search_variants_become_one_page_with_secondary_keywords():
    seed = "travel credit cards"
    cands = [_cand(seed, 12100)] + [_cand(k, v) for k, v in CHILDREN]
    sugs, dropped, _ = decide(seed, cands, [], AliasEmbedder())
    by_kw = {s.keyword: s for s in sugs}
    vs = by_kw["amex platinum vs chase reserve"]  # the highest-volume variant is primary
    assert set(vs.secondary_keywords) == {
        "american express platinum vs chase sapphire reserve",
        "compare amex platinum and chase sapphire reserve",
        "chase reserve vs amex platinum",
    }
    assert vs.secondary_keywords[0] == "american express platinum vs chase sapphire reserve"
    # "best" changes the page (issue 16): the commercial list is a page of its own, with its
    # singular form as secondary keyword; the parent keeps only its own search.
    assert by_kw["travel credit cards"].secondary_keywords == []
    assert by_kw["best travel credit cards"].secondary_keywords == ["best travel credit card"]
    for variant in vs.secondary_keywords + ["best travel credit card"]:
        assert variant not in by_kw
        assert "same search" in dict(dropped)[variant]
    # A narrower search that only adds words keeps its own page.
    assert "travel credit cards for beginners" in by_kw


def test_without_the_embedder_short_forms_stay_apart_but_word_order_and_wording_merge():
    groups = find_same_search(
        [
            "amex platinum vs chase reserve",
            "chase reserve vs amex platinum",
            "compare amex platinum and chase reserve",
            "american express platinum vs chase sapphire reserve",
        ],
        None,
    )
    assert [sorted(g) for g in groups] == [[0, 1, 2]]


def test_sources_preselection_covered_pages_and_integer_volumes():
    seed = "travel credit cards"
    cands = [
        _cand(seed, 12100, source="seed"),
        _cand("amex travel cards", 1400.0),
        _cand("capital one travel cards", 1200, source="dataforseo"),
        _cand("travel cards for digital nomads", None, source="llm"),
        _cand("travel cards for families", 320, source="llm"),
        _cand("no annual fee travel credit cards", 2900),
    ]
    covered = {"no annual fee travel credit cards": "https://x.example/no-fee/"}
    sugs, _, _ = decide(
        seed, cands, [], HashEmbedder(), covered=covered, in_data={seed, "amex travel cards"}
    )
    by_kw = {s.keyword: s for s in sugs}
    assert by_kw[seed].source == "data" and by_kw[seed].role == "parent"
    assert by_kw["amex travel cards"].source == "data"
    assert by_kw["capital one travel cards"].source == "dataforseo"
    idea = by_kw["travel cards for digital nomads"]
    assert idea.source == "llm_idea" and idea.search_volume is None and not idea.preselected
    assert by_kw["travel cards for families"].source == "llm_idea"
    assert by_kw["travel cards for families"].preselected  # an idea WITH volume
    fee = by_kw["no annual fee travel credit cards"]
    assert fee.covered_by == "https://x.example/no-fee/" and not fee.preselected
    assert "Already covered by https://x.example/no-fee/" in fee.reasoning
    assert isinstance(by_kw["amex travel cards"].search_volume, int)
    for s in sugs:
        assert s.score_parts["total"] == s.composite_score
        assert set(s.score_parts) == {"volume", "relevance", "competition", "total"}


def test_site_type_decides_paths_and_store_questions_become_supporting_articles():
    seed = "payday loans"
    cands = [
        _cand(seed, 90500),
        _cand("what are payday loans", 2200, intent="informational"),
        _cand("payday loans online", 14800),
    ]
    shop, _, _ = decide(seed, cands, [], HashEmbedder(), site=SiteSettings.of("shopify"))
    pub, _, _ = decide(seed, cands, [], HashEmbedder(), site=SiteSettings.of("publisher"))
    shop_by = {s.keyword: s for s in shop}
    pub_by = {s.keyword: s for s in pub}
    assert shop_by[seed].url_slug == "/collections/payday-loans"
    assert shop_by["what are payday loans"].url_slug == "/blogs/news/what-are-payday-loans"
    assert "Supporting article linked to the collection 'payday loans'" in (
        shop_by["what are payday loans"].reasoning
    )
    assert pub_by[seed].url_slug == "/payday-loans/"
    assert pub_by["what are payday loans"].url_slug == "/payday-loans/what-are-payday-loans/"
    assert pub_by["what are payday loans"].page_type == "article"
    assert "Supporting article" not in pub_by["what are payday loans"].reasoning


def test_project_weights_change_the_composite_score():
    seed = "payday loans"
    cands = [_cand(seed, 90500), _cand("payday loans online", 14800)]
    default, _, _ = decide(seed, cands, [], HashEmbedder())
    volume_only, _, _ = decide(
        seed, cands, [], HashEmbedder(), site=SiteSettings.of("shopify", None, (1, 0, 0))
    )
    assert default[1].composite_score != volume_only[1].composite_score
    assert volume_only[1].score_parts["relevance"] == 0.0


def test_strongest_real_keywords_are_kept_before_weaker_ones():
    seed = "payday loans"
    cands = [_cand(seed, 90500)] + [
        _cand(f"payday loans {w}", v)
        for w, v in [
            ("online", 14800),
            ("no credit check", 9900),
            ("nevada", 8100),
            ("direct lender", 3600),
            ("california", 2400),
            ("texas", 1900),
            ("for bad credit", 1600),
            ("same day", 1300),
            ("instant approval", 880),
            ("ohio", 720),
            ("florida", 590),
            ("georgia", 90),
            ("idaho", 60),
        ]
    ]
    sugs, dropped, _ = decide(seed, cands, [], HashEmbedder())
    kept = {s.keyword for s in sugs}
    assert len(sugs) == 12
    assert {"payday loans georgia", "payday loans idaho"}.isdisjoint(kept)
    assert "lower search volume" in dict(dropped)["payday loans idaho"]


@pytest.mark.parametrize(
    ("seed", "message"),
    [("", "Enter a seed"), ("x" * 201, "at most 200"), ("123 !!!", "at least one letter")],
)
def test_seed_validation_messages(seed, message):
    with pytest.raises(InvalidInputError, match=message):
        validate_seed(seed)
    assert validate_seed("  Payday LOANS ") == "payday loans"


def test_thin_data_message_is_the_issue_text():
    assert thin_data_message(3, "payday loans") == (
        "Only 3 keywords for 'payday loans' in this project's data — import a "
        "Semrush/Ahrefs/Keyword Planner export for this seed, or switch on DataForSEO or an "
        "LLM in Settings."
    )


class _Provider:
    name = "fake"

    def __init__(self, cands):
        self.cands = cands

    def expand(self, request):
        return ExpansionResult(candidates=self.cands)


def test_stage1_keeps_few_real_keywords_but_refuses_few_llm_ideas():
    real = [
        Candidate(keyword=f"payday loans {w}", expansion_strategy="x", source="data")
        for w in ("online", "texas")
    ]
    out = run_stage1(_Provider(real), ExpansionRequest(seed="payday loans", brand=None))
    assert [c.keyword for c in out.candidates] == [
        "payday loans",
        "payday loans online",
        "payday loans texas",
    ]
    assert {c.expansion_strategy for c in out.candidates[1:]} == {"other modifier"}
    ideas = [Candidate(keyword=c.keyword, expansion_strategy="x", source="llm") for c in real]
    with pytest.raises(ProviderError, match="only 3"):
        run_stage1(_Provider(ideas), ExpansionRequest(seed="payday loans", brand=None))


def _table():
    return pd.DataFrame(
        {
            "id": ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"],
            "approve": [True, True],
            "role": ["parent", "child"],
            "keyword": ["credit cards", "cabelas credit card"],
            "url_slug": ["/credit-cards/", "/credit-cards/cabelas-credit-card/"],
            "search_volume": pd.array([55000, None], dtype="Int64"),
        }
    )


def test_a_typed_path_is_kept_exactly_as_typed():
    edited = _table()
    edited.loc[1, "url_slug"] = "/credit-cards/cabelas-credit-card"
    decisions = to_decisions(_table(), edited)
    assert decisions[1].url_slug == "/credit-cards/cabelas-credit-card"
    assert decisions[1].slug_typed and not decisions[0].slug_typed


@pytest.mark.parametrize(
    ("path", "message"),
    [("Credit-Cards/x", "starts with"), ("/Credit/x", "lowercase"), ("/credit-cards/", "unique")],
)
def test_a_bad_typed_path_is_refused_with_a_clear_message(path, message):
    edited = _table()
    edited.loc[1, "url_slug"] = path
    with pytest.raises(InvalidInputError, match=message):
        to_decisions(_table(), edited)


def test_hash_embedder_is_deterministic():  # guard for the fixtures above
    e = HashEmbedder()
    assert np.allclose(e.embed(["a b"]), e.embed(["b a"]))
