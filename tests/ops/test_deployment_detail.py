"""deployment_detail reads one deployment back in full: timeline, levels passed, verdict with its series."""

from __future__ import annotations

import pytest

from shipmate import ops
from shipmate.errors import NotFoundError
from shipmate.ops.reading_deployment_detail import levels_passed
from tests.e2e.cli_project import Project
from tests.e2e.conftest import project

__all__ = ["project"]


def test_a_deployment_reads_back_with_its_timeline_levels_verdict_series_and_events(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPMATE_RUNTIME_DIR", project.env["SHIPMATE_RUNTIME_DIR"])  # the router the CLI started
    project.spec("1.0.0", monitor="1s")
    deployed = project.json("deploy")
    detail = ops.deployment_detail(str(project.root / "shipmate.yaml"), deployed["deployment_id"])
    assert detail.deployment.deployment_id == deployed["deployment_id"] and detail.deployment.state == "succeeded"
    assert [s.name for s in detail.steps] == [s["name"] for s in deployed["steps"]]
    assert all(s.duration_s is not None and s.offset_s >= 0 for s in detail.steps)
    assert [s.offset_s for s in detail.steps] == sorted(s.offset_s for s in detail.steps)
    assert [(lv.level, lv.phase) for lv in detail.health_levels] == [(1, "pass"), (3, "pass")]
    assert detail.verdict is not None and detail.verdict["phase"] == "pass"
    series = detail.verdict["evidence"]["series"]
    assert series["source"] in ("router", "probes") and len(series["points"]) >= 3
    assert detail.confidence is not None and "factors" in detail.confidence
    assert {"deployment.started", "step.monitor", "deployment.succeeded"} <= {e.event_type for e in detail.events}
    with pytest.raises(NotFoundError, match="no deployment dep_nope"):
        ops.deployment_detail(str(project.root / "shipmate.yaml"), "dep_nope")


def test_levels_are_grouped_from_the_probes_that_proved_each_instance() -> None:
    result = {"proven": [{"instance_id": "a", "probes": [
        {"probe": "process a", "phase": "pass", "detail": "pid 1 running"},
        {"probe": "tcp 127.0.0.1:5", "phase": "pass", "detail": "connected"},
        {"probe": "http /health", "phase": "fail", "detail": "GET /health -> 500"}]}]}
    assert [(lv.level, lv.name, lv.phase) for lv in levels_passed(result)] == [
        (1, "instance", "pass"), (2, "endpoint", "pass"), (3, "application", "fail")]
    assert levels_passed(None) == []
