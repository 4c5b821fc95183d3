"""Retention is a cleanup step of the plan, there when the target keeps stopped instances and images, or when
process releases keep snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipmate.ops.common.releases import config_from, plan_for
from shipmate.plan import CLEANUP
from shipmate.release_config import ReleaseConfig
from shipmate.spec.loader import load_spec

DOCKER = 'target: {kind: docker, image: "web:1", container_port: 8000%s}'
PROCESS = "target: {kind: process, command: [python3, app.py]%s}"


def _config(tmp_path: Path, target: str) -> ReleaseConfig:
    path = tmp_path / "shipmate.yaml"
    path.write_text(f'service: web\nversion: "2"\nport: 8080\n{target}\n')
    return config_from(load_spec(path))


@pytest.mark.parametrize("kind", ["deploy", "rollback"])
def test_a_docker_release_ends_with_a_prune_cleanup_step_after_promote(tmp_path: Path, kind: str) -> None:
    config = _config(tmp_path, DOCKER % ", keep_releases: 3")
    plan = plan_for(config, kind=kind, previous=None)
    names = [step.name for step in plan.steps]
    last = plan.steps[-1]
    assert last.name == "prune" and names.index("promote") < len(names) - 1
    assert last.has(CLEANUP) and last.args == {"keep_releases": 3}


def test_the_default_keeps_five_releases(tmp_path: Path) -> None:
    plan = plan_for(_config(tmp_path, DOCKER % ""), kind="deploy", previous=None)
    assert plan.steps[-1].args == {"keep_releases": 5}


def test_a_process_release_with_snapshots_ends_with_a_prune_step_for_its_snapshots(tmp_path: Path) -> None:
    plan = plan_for(_config(tmp_path, PROCESS % ", keep_releases: 2"), kind="deploy", previous=None)
    last = plan.steps[-1]
    assert last.name == "prune" and last.has(CLEANUP) and last.args == {"keep_releases": 2}
    assert "snapshots" in last.why


def test_the_process_target_without_snapshots_keeps_nothing_so_its_plan_has_no_prune_step(tmp_path: Path) -> None:
    plan = plan_for(_config(tmp_path, PROCESS % ", snapshot: false"), kind="deploy", previous=None)
    assert "prune" not in [step.name for step in plan.steps]
