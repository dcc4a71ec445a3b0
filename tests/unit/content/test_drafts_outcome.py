"""A drafts batch ends completed / partial / failed by the one batch-outcome rule."""

from services.content.draft_actions import DraftsReport


def test_every_page_failed_is_failed_with_the_reason_and_exit_1():
    report = DraftsReport(
        failed=2, failures={"a": "HTTP 529 overloaded", "b": "HTTP 529 overloaded"}
    )
    assert report.outcome.status == "failed"
    assert report.outcome.exit_code == 1
    assert report.to_dict()["outcome"]["top_reasons"] == [
        {"reason": "HTTP 529 overloaded", "count": 2}
    ]


def test_some_failed_or_stopped_by_the_budget_is_partial():
    assert DraftsReport(drafted=3, failed=1, failures={"a": "timeout"}).outcome.status == "partial"
    stopped = DraftsReport(drafted=2, stopped="budget reached")
    assert stopped.outcome.status == "partial"
    assert "batch stopped: budget reached" in stopped.outcome.summary()


def test_drafts_and_offline_skeletons_are_completed():
    report = DraftsReport(drafted=1, skeletons=4)
    assert (report.outcome.status, report.outcome.exit_code) == ("completed", 0)
