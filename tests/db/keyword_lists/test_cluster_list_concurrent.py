"""Eight ``cluster-list`` runs started at once on one project (issue 20 §5): one runs, seven
get the clear "already running" message with exit code 2 and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SEMRUSH_WP


def cli(env: dict[str, str], *argv: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.mark.slow
def test_eight_concurrent_cluster_list_runs_one_runs_seven_are_refused(
    engine, database_url, tmp_path
):
    sample = tmp_path / "keywords.csv"
    lines = SEMRUSH_WP.read_text(encoding="utf-8").splitlines()[:301]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CLUSTER_PLANNER_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    for argv in (("projects", "create", "Busy"), ("import", "Busy", str(sample))):
        done = cli(env, *argv)
        assert done.wait(120) == 0, done.communicate()
    runs = [cli(env, "cluster-list", "Busy") for _ in range(8)]
    results = []
    for proc in runs:
        out, err = proc.communicate(timeout=240)
        results.append((proc.returncode, out, err))
    codes = sorted(code for code, _, _ in results)
    assert codes == [0] + [2] * 7, results
    for code, _out, err in results:
        assert "Traceback" not in err
        if code == 2:
            assert "already queued or running for this project" in err
    winner = next(out for code, out, _ in results if code == 0)
    assert "Clustered 300 keywords of 'Busy'" in winner
