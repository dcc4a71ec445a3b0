"""The three draft calls through the real SDKs against local servers (recorded shapes)."""

from __future__ import annotations

import json

import pytest

from services.content.briefs import BriefContext, PageInput, build_brief
from services.content.drafts import (
    OFFLINE_LABEL,
    X_MAX_CHARS,
    generate_draft,
    offline_skeleton,
    prompt_version,
)
from services.core.errors import ProviderError
from services.providers.base import BrandProfile, StructuredGenerator
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.openai_compatible import OpenAICompatibleProvider
from services.providers.llm.prompts import StructuredOutputError
from tests.fakes.contracts import anthropic_message
from tests.fakes.http_server import FakeServer, Reply
from tests.unit.content.content_fakes import anthropic_content_handler, openai_content_handler

BRAND = BrandProfile(
    company_name="Trailhead Co", products=("trail shoes",), price_point="mid-range"
)
URL = "https://example.com/collections/trail-running-shoes"


def collection_brief():
    return build_brief(
        PageInput(
            page_id="p1",
            primary_keyword="trail running shoes",
            url=URL,
            role="parent",
            search_volume=9900,
            secondary=(("waterproof trail running shoes", 1600),),
        ),
        ctx=BriefContext(brand_name="Trailhead Co"),
        links={
            "outgoing": [
                {
                    "source_id": "p1",
                    "source_url": URL,
                    "target_id": "p2",
                    "target_url": "https://example.com/collections/waterproof",
                    "anchor": "waterproof trail running shoes",
                    "relation": "to child",
                }
            ],
            "incoming": [],
        },
    )


def article_brief():
    return build_brief(
        PageInput("p3", "how to clean trail running shoes", "https://example.com/blogs/news/clean")
    )


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


def claude(server, **kw) -> AnthropicProvider:
    kw.setdefault("max_retries", 0)
    return AnthropicProvider("sk-ant-test", base_url=server.url, **kw)


def test_adapters_are_structured_generators(server):
    assert isinstance(claude(server), StructuredGenerator)
    assert isinstance(OpenAICompatibleProvider(base_url=server.url + "/v1"), StructuredGenerator)


def test_collection_draft_on_claude_three_calls(server):
    server.route("/v1/messages", anthropic_content_handler())
    result = generate_draft(claude(server), collection_brief(), BRAND, site_type="Shopify store")
    calls = [r.json for r in server.requests_to("/v1/messages")]
    titles = [c["output_config"]["format"]["schema"]["title"] for c in calls]
    assert titles == ["CompetitorAnalysis", "CollectionDraft", "SocialPosts"]
    assert "Company: Trailhead Co" in calls[0]["system"]
    assert "Site type: Shopify store" in calls[0]["system"]
    assert calls[1]["max_tokens"] == 6000
    assert "https://example.com/collections/waterproof" in calls[1]["messages"][0]["content"]
    d = result.draft
    assert d["kind"] == "llm"
    assert d["body_html"] == (
        "<p>Our trail running shoes.</p>\n<h2>Choosing trail running shoes</h2><p>Guide text.</p>"
    )
    assert d["intro_html"] == "<p>Our trail running shoes.</p>"
    assert d["faq"] == [{"question": "What are trail running shoes?", "answer": "A short answer."}]
    assert all(URL in post for post in d["social"].values())
    assert len(d["social"]["x"]) <= X_MAX_CHARS
    assert d["analysis"]["recommended_word_count"] == 600
    assert d["checks"] == [
        'internal link to https://example.com/collections/waterproof ("waterproof trail '
        'running shoes") is missing',
        "the body has 10 words; the brief asks for 300-800",
    ]
    assert len(result.usage) == 3 and result.cost_usd > 0
    assert result.prompt_version == prompt_version() != ""
    assert result.model.startswith("claude-haiku-4-5")


def test_article_draft_on_openai_compatible_server(server):
    server.route("/v1/chat/completions", openai_content_handler())
    llm = OpenAICompatibleProvider(base_url=server.url + "/v1", model="llama3.1", max_retries=0)
    result = generate_draft(llm, article_brief(), BRAND)
    names = [
        r.json["response_format"]["json_schema"]["name"]
        for r in server.requests_to("/v1/chat/completions")
    ]
    assert names == ["CompetitorAnalysis", "ArticleDraft", "SocialPosts"]
    assert result.draft["body_html"].startswith("<h2>About how to clean")
    assert "intro_html" not in result.draft


def test_malformed_draft_answer_is_repaired_once(server):
    seen = {"n": 0}

    def override(schema, prompt):
        if schema == "CollectionDraft" and seen["n"] == 0:
            seen["n"] += 1
            return '{"title": "cut'
        return None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    result = generate_draft(claude(server), collection_brief(), BRAND)
    assert len(server.requests) == 4 and len(result.usage) == 4
    repair = server.requests[2].json["messages"]
    assert repair[-1]["content"].startswith("Your previous answer was not valid")
    assert result.draft["title"] == "Trail Running Shoes"


def test_malformed_twice_raises_with_every_billed_call(server):
    def override(schema, prompt):
        return json.dumps({"title": "x" * 80}) if schema == "CollectionDraft" else None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    with pytest.raises(StructuredOutputError) as err:
        generate_draft(claude(server), collection_brief(), BRAND)
    assert len(err.value.usage) == 3  # analysis + draft + repair
    assert "invalid twice" in str(err.value)


def test_refusal_is_a_provider_error_with_usage(server):
    def override(schema, prompt):
        if schema == "SocialPosts":
            return Reply(body=anthropic_message("", stop_reason="refusal"))
        return None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    with pytest.raises(ProviderError) as err:
        generate_draft(claude(server), collection_brief(), BRAND)
    assert len(err.value.usage) == 4  # analysis, draft, social + its repair
    assert "empty" in str(err.value)


def test_timeout_is_a_provider_error(server):
    def override(schema, prompt):
        if schema == "CollectionDraft":
            return Reply(body=anthropic_message("{}"), delay=1.0)
        return None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    llm = claude(server, timeout=0.2)
    with pytest.raises(ProviderError) as err:
        generate_draft(llm, collection_brief(), BRAND)
    assert len(err.value.usage) == 1  # the analysis was billed before the timeout


def test_offline_skeleton_is_labelled_outline_without_prose():
    brief = collection_brief()
    sk = offline_skeleton(brief)
    assert sk["kind"] == "outline" and sk["label"] == OFFLINE_LABEL
    assert sk["body_html"].startswith(f"<p><em>{OFFLINE_LABEL}</em></p>")
    body_lines = sk["body_html"].splitlines()[1:]
    assert all(line.startswith(("<h2>", "<h3>")) for line in body_lines)
    assert sk["social"] == {} and sk["faq"] == []


def test_draft_checks_pass_on_a_complete_draft():
    from services.content.drafts import draft_checks

    brief = collection_brief()
    body = "<p>words</p> " * 300 + '<a href="https://example.com/collections/waterproof/">x</a>'
    draft = {"title": "Trail Running Shoes | X", "h1": "Trail running shoes", "body_html": body}
    assert draft_checks(draft, brief) == []
    assert draft_checks({**draft, "h1": "Shoes"}, brief) == [
        'the h1 does not contain the primary keyword "trail running shoes"'
    ]


def test_draft_call_receives_structure_competitors_and_ymyl_rules(server):
    from services.content.briefs import BriefContext as Ctx

    brief = build_brief(
        PageInput("p9", "sofi personal loans", "https://money.example/sofi/", page_type="landing"),
        Ctx(site_type="publisher", brand_name="Money Guide"),
    )
    brief.competitors = {
        "median_words": 1450,
        "pages_counted": 3,
        "common_headings": [{"text": "SoFi loan rates", "pages": 3}],
        "gaps": ["SoFi personal loans for bad credit"],
        "pages": [
            {
                "rank": 1,
                "url": "https://rival.example/sofi",
                "title": "SoFi Review",
                "error": "",
                "word_count": 1500,
                "headings": ["SoFi loan rates", "Pros and cons"],
            },
        ],
    }
    server.route("/v1/messages", anthropic_content_handler())
    result = generate_draft(claude(server), brief, BRAND, site_type="Publisher")
    analysis, draft, social = [
        r.json["messages"][0]["content"] for r in server.requests_to("/v1/messages")
    ]
    assert "median length: 1450 words (3 pages read)" in analysis
    assert "common headings: SoFi loan rates" in analysis
    assert (
        "gaps (our sub-topics no ranking page covers): SoFi personal loans for bad credit"
        in analysis
    )
    assert 'Write the Review page (landing) for the primary keyword "sofi personal loans"' in draft
    for section in ("What it is", "Plans and pricing", "Pros and cons", "Alternatives", "Verdict"):
        assert f'"text":"{section}","source":"structure"' in draft
    assert '<ymyl topic="finance">' in draft and brief.ymyl["disclaimer"] in draft
    assert "Reviewed by:" in draft
    assert "Google Business Profile" in social and "(finance)" in social
    assert "YMYL (finance): the disclaimer is missing" in result.draft["checks"]
