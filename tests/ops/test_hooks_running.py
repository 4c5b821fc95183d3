"""around_release() with real hook processes and a real receiver, the run itself replaced by plain callables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from shipmate.errors import DeploymentFailedError, HookFailedError, LockHeldError
from shipmate.ops.common.conduct import Conduct
from shipmate.ops.gates.hooks import around_release, check_pre_hook
from shipmate.spec.hooks_spec import Hooks, Notify
from tests.engine.fake_world import release
from tests.notify_receiver import receiver

CONFIG = release("1.0", port=9000)


def _hook(code: str, timeout: str = "10s") -> dict[str, Any]:
    return {"run": [sys.executable, "-c", code], "timeout": timeout}


def test_a_run_refused_after_it_started_still_announces_its_end(tmp_path: Path) -> None:
    def refused() -> dict[str, Any]:
        raise LockHeldError("svc/default is locked by another deployment")

    with receiver() as rx:
        conduct = Conduct(tmp_path, notify=Notify(urls=(rx.url,)))
        with pytest.raises(LockHeldError):
            around_release(tmp_path, conduct, CONFIG, "deploy", "user:t", refused)
        assert rx.events() == ["deploy.started", "deploy.failed"]
        assert "locked by another deployment" in rx.bodies[-1]["message"]


def test_a_failed_deployment_keeps_its_exit_and_carries_the_hook_warnings(tmp_path: Path) -> None:
    def failed() -> dict[str, Any]:
        error = DeploymentFailedError("monitor window fail")
        error.details = {"deployment_id": "dep_1", "state": "rolled_back"}
        raise error

    conduct = Conduct(tmp_path, hooks=Hooks.model_validate({"on_failure": [_hook("import sys; sys.exit(2)")]}))
    with pytest.raises(DeploymentFailedError) as caught:
        around_release(tmp_path, conduct, CONFIG, "deploy", "user:t", failed)
    assert caught.value.exit_code == 1
    assert caught.value.details["warnings"] == [f"on_failure hook {sys.executable} -c import sys; sys.exit(2) "
                                                "failed (exit 2)"]


def test_a_noop_runs_no_post_hook(tmp_path: Path) -> None:
    conduct = Conduct(tmp_path, hooks=Hooks.model_validate({"post_deploy": [_hook("open('ran', 'w')")]}))
    out = around_release(tmp_path, conduct, CONFIG, "deploy", "user:t", lambda: {"noop": True})
    assert out == {"noop": True} and not (tmp_path / "ran").exists()


def test_a_pre_hook_timeout_is_hook_failed_with_its_last_lines(tmp_path: Path) -> None:
    code = "import time; print('waiting for the database', flush=True); time.sleep(30)"
    conduct = Conduct(tmp_path, hooks=Hooks.model_validate({"pre_deploy": [_hook(code, "500ms")]}))
    with pytest.raises(HookFailedError) as caught:
        check_pre_hook(conduct, "deploy", CONFIG, "user:t")
    assert caught.value.exit_code == 7 and "timed out after 0.5s" in caught.value.message
    assert caught.value.details["hook"]["tail"] == ["waiting for the database"]
