"""Page-changing modifier classes of list clustering (issue 16)."""

from __future__ import annotations

import numpy as np

from services.clustering import page_modifiers as pm
from services.clustering.lexical import _key_token
from services.core.text import tokens


def mask(keyword: str) -> int:
    plain = tokens(keyword)
    return pm.modifier_mask(plain, [_key_token(t) or t for t in plain])


def test_each_class_is_recognised():
    assert mask("payday loans") == 0
    assert mask("payday loans near me") == pm.LOCAL
    assert mask("payday loans near-me") == pm.LOCAL
    assert mask("ahrefs vs semrush") == pm.COMPARISON
    assert mask("semrush alternatives") == pm.COMPARISON
    assert mask("best payday loans") == pm.COMMERCIAL
    assert mask("cheap payday loans near me") == pm.COMMERCIAL | pm.LOCAL
    assert mask("socks for women") == pm.AUDIENCE
    assert mask("ladies socks") == pm.AUDIENCE


def test_text_may_join_only_keywords_with_the_same_guarded_classes():
    words = ["payday loans", "best payday loans", "top payday loans", "payday loans near me"]
    masks = np.array([mask(w) for w in words])
    left, right = np.array([0, 1, 0, 2]), np.array([1, 2, 3, 3])
    assert pm.allowed(masks, left, right).tolist() == [False, True, False, False]
    # Audience is a feature of the model, not a guard.
    audience = np.array([mask("socks"), mask("womens socks")])
    assert pm.allowed(audience, np.array([0]), np.array([1])).tolist() == [True]


def test_for_tail_is_the_content_after_for():
    assert pm.for_tail(["chatgpt", "prompt", "for", "the", "sale"], frozenset(["the"])) == ["sale"]
    assert pm.for_tail(["chatgpt", "prompt"], frozenset()) == []
