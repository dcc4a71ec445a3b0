"""Search intent: modifier rules, embedder vote, label parsing, agreement, live adapter."""

from __future__ import annotations

import pytest

from services.clustering import intent as intent_mod
from services.clustering.intent import (
    agreement,
    classify_intents,
    format_labels,
    live_intents,
    parse_labels,
)
from services.clustering.intent_rules import rule_intents
from services.providers.base import KeywordData, Usage, VolumeResult
from tests.fakes.keyword_lists import TrigramEmbedder


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("how to install wordpress", {"informational"}),
        ("best wordpress hosting", {"commercial"}),
        ("wordpress vs wix", {"commercial"}),
        ("buy wordpress theme", {"transactional"}),
        ("wordpress login", {"navigational", "transactional"}),
        ("https://acme.com/wordpress", {"navigational"}),
        ("best free wordpress themes", {"commercial"}),  # "free": 15 % transactional (Semrush)
        ("buy cheap wordpress themes", {"commercial", "transactional"}),  # multi-label
        ("wordpress", set()),
    ],
)
def test_rules(keyword, expected):
    assert set(rule_intents(keyword)) == expected


def test_every_keyword_gets_a_label_and_neighbours_add_intents():
    words = ["best wordpress themes", "best wordpress theme", "wordpress theme", "qqq zzz"]
    labels = classify_intents(words, TrigramEmbedder())
    assert all(labels)
    assert labels[3] == ("informational",)  # no rule, no close neighbour → the default
    assert "commercial" in labels[2] and "informational" in labels[2]  # voted by close neighbours
    assert classify_intents(words)[2] == ("informational",)  # without an embedder: rules only


def test_parse_and_format_labels():
    assert parse_labels("Informational, Transactional") == ("informational", "transactional")
    assert parse_labels(None) == () and parse_labels(float("nan")) == ()
    assert format_labels(["transactional", "commercial"]) == "commercial,transactional"


def test_agreement_per_label_precision_recall():
    pred = [
        ("informational",),
        ("commercial",),
        ("commercial", "transactional"),
        ("informational",),
    ]
    truth = [("informational",), ("informational",), ("commercial",), ()]  # last row ignored
    table = agreement(pred, truth)
    assert table.loc["informational", "precision"] == 1.0
    assert table.loc["informational", "recall"] == 0.5
    assert table.loc["commercial", "precision"] == 0.5 and table.loc["commercial", "recall"] == 1.0
    assert table.loc["transactional", "precision"] == 0.0


def test_live_intents_use_the_provider_and_return_usage():
    class Provider:
        def search_intent(self, keywords, *, project_id=None):
            self.asked = list(keywords)
            return VolumeResult(
                data={"buy shoes": KeywordData("buy shoes", intent="transactional,commercial")},
                usage=[Usage(provider="dataforseo", endpoint="x", cost_usd=0.0101)],
            )

    provider = Provider()
    labels, usage = live_intents(provider, ["buy shoes", "shoes"])
    assert provider.asked == ["buy shoes", "shoes"]
    assert labels == {"buy shoes": "commercial,transactional"}
    assert usage[0].cost_usd == 0.0101


def test_rule_labelled_keyword_also_informational_when_its_neighbours_are(monkeypatch):
    words = ["wordpress login", "wordpress login error", "wordpress login errors"]
    words += ["wordpress login issue", "wordpress login issues"]
    labels = classify_intents(words, TrigramEmbedder())
    # "wordpress login" has no informational cue; its close neighbours (cosine ≥ 0.83) do.
    assert "navigational" in labels[0] and "informational" in labels[0]
    monkeypatch.setattr(intent_mod, "INFO_VOTE_SHARE", None)
    assert "informational" not in classify_intents(words, TrigramEmbedder())[0]
