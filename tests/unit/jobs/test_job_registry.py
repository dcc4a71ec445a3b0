"""The queue's registry: what the composition root hands it, without a database."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidInputError
from services.jobs import registry
from services.jobs.table import active_key


@pytest.fixture()
def clean(monkeypatch):
    """Registry state as a fresh process has it; restored after the test."""
    monkeypatch.setattr(registry, "HANDLERS", {})
    monkeypatch.setattr(registry, "RELEASE_HOOKS", {})
    monkeypatch.setattr(registry, "EXCLUSIVE_PER_PROJECT", set())
    monkeypatch.setattr(registry, "JOB_BOUNDARY_HOOKS", [])
    monkeypatch.setattr(registry, "SWEEP_HOOKS", [])
    monkeypatch.setattr(registry, "_deps", None)
    monkeypatch.setattr(registry, "_deps_factory", None)
    monkeypatch.setattr(registry, "_default_factory", None)


def handler(ctx):
    return {"message": "ok"}


def test_register_installs_handler_release_hook_and_exclusivity(clean):
    released = []
    registry.register(
        "crawl", handler, lambda engine, pid: released.append(pid), exclusive_per_project=True
    )
    registry.register("drafts", handler)
    assert registry.handler_for("crawl") is handler
    registry.release(None, "crawl", "p1")
    registry.release(None, "drafts", "p1")  # no hook: nothing happens
    assert released == ["p1"]
    assert active_key("crawl", None, {"a": 1}) == "crawl:-"
    assert active_key("drafts", None, {"a": 1}) != active_key("drafts", None, {"a": 2})


def test_an_unregistered_kind_is_a_clear_error(clean):
    with pytest.raises(InvalidInputError, match="Unknown job kind 'nope'"):
        registry.handler_for("nope")


def test_hooks_added_twice_run_once(clean):
    calls = []

    def boundary():
        calls.append("boundary")

    def sweep(engine):
        calls.append(("sweep", engine))

    for _ in range(2):
        registry.add_hooks(on_job_boundary=boundary, on_sweep=sweep)
    registry.job_boundary()
    registry.after_sweep("engine")
    assert calls == ["boundary", ("sweep", "engine")]


def test_dependencies_come_from_the_installed_factory_else_a_clear_error(clean):
    with pytest.raises(InvalidInputError, match="wire_process"):
        registry.get_deps()
    built = []

    def factory():
        built.append(1)
        return registry.JobDeps(engine="e", embedder_factory=lambda n: None)

    registry.set_deps(default_factory=factory)
    assert registry.get_deps().engine == "e"
    assert registry.get_deps() is registry.get_deps() and built == [1]  # built once
    registry.forget_deps()  # tests reset; the composition root's default stays
    assert registry.get_deps().engine == "e" and built == [1, 1]
