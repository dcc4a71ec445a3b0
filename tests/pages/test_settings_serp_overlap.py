"""AppTest of the Settings page's SERP-overlap setting (issue 16: ≥ 4 of 10 by default, 2-7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.app.bootstrap import AppContext
from services.app.context import set_app
from services.core.config import Settings
from services.settings.api import min_serp_overlap, serp_keywords_per_cluster

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "settings.py")


@pytest.fixture(autouse=True)
def _app(engine):
    set_app(AppContext(settings=Settings(values={}), engine=engine))
    yield
    set_app(None)


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["_frame"] = True
    return at


def test_the_overlap_slider_shows_4_and_saves_what_the_funnel_reads(engine):
    at = page().run()
    (slider,) = [s for s in at.slider if s.label.startswith("SERP overlap")]
    assert slider.value == 4 and (slider.min, slider.max) == (2, 7)
    slider.set_value(6)
    at.button[0].click().run()
    assert not at.exception and min_serp_overlap(engine) == 6
    at = page().run()
    assert [s.value for s in at.slider if s.label.startswith("SERP overlap")] == [6]


def test_serps_per_cluster_defaults_to_30_and_keeps_the_overlap_when_saved(engine):
    at = page().run()
    (slider,) = [s for s in at.slider if s.label.startswith("SERP overlap")]
    slider.set_value(5)
    at.button[0].click().run()
    at = page().run()
    (count,) = [n for n in at.number_input if n.label.startswith("SERPs per new cluster")]
    assert count.value == 30
    count.set_value(0)
    at.button[0].click().run()
    assert not at.exception
    assert serp_keywords_per_cluster(engine) == 0 and min_serp_overlap(engine) == 5
