"""Background-job pieces: submit with a clear error, and a live progress panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from services.app import jobs
from services.core.errors import ClusterPlannerError
from ui.safe import plain, show_outcome


def submit(start: Callable[[], Any]) -> None:
    """Run ``start()`` (an api call that queues a job); show a typed error, else rerun so the
    page shows the job's progress from the ``jobs`` table."""
    try:
        start()
    except ClusterPlannerError as exc:
        st.error(plain(exc))
        return
    st.rerun()


def job_panel(
    engine: Any,
    project_id: str,
    kind: str,
    summary: Callable[[Any], str] | None = None,
    stopped: Callable[[Any], str] | None = None,
) -> None:
    """Progress of the project's latest job of ``kind``, refreshed every second while it runs.

    Parameters
    ----------
    summary : callable, optional
        ``summary(job_view) -> str`` for a succeeded job (default: its result message).
    stopped : callable, optional
        ``stopped(job_view) -> str`` for a failed, cancelled or interrupted job (default:
        its error), e.g. what an interrupted import saved.
    """

    @st.fragment(run_every=1.0)
    def _panel() -> None:
        job = jobs.latest_job(project_id, kind, engine=engine)
        if job is None:
            return
        seen = f"_job_active_{kind}"
        if job.is_active:
            st.session_state[seen] = True
            st.progress(job.progress / 100, text=f"{job.kind}: {job.message}")
            if st.button("Cancel", key=f"cancel-{kind}"):
                jobs.cancel(job.id, engine=engine)
            return
        if st.session_state.pop(seen, False):  # it just finished: redraw the whole page
            st.rerun(scope="app")
        text = plain(stopped(job)) if stopped and job.status != "succeeded" else ""
        if job.status == "failed":
            st.error(text or f"The {kind} job failed: {plain(job.error)}")
        elif job.status != "succeeded":  # cancelled, interrupted
            st.warning(text or f"The {kind} job was {job.status}.")
        else:  # a batch that ran to its end may still be partial or failed (per-row failures)
            outcome = (job.result or {}).get("outcome") or {}
            message = summary(job) if summary else job.result.get("message", "Done")
            show_outcome(str(outcome.get("status", "completed")), message)
        if job.can_resume and st.button("Resume", key=f"resume-{kind}"):
            try:
                jobs.resume(job.id, engine=engine)
            except ClusterPlannerError as exc:
                st.error(plain(exc))
            else:
                st.session_state[seen] = True
                st.rerun(scope="app")

    _panel()
