"""Bad input to promote and to the policy options: one line, the documented exit code, nothing created."""

from __future__ import annotations

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import free_port

ENVS = "environments:\n  staging: {}\n  production: {port: %d}\n"


@pytest.mark.parametrize(("args", "says", "path"), [
    (("--from", "stagin", "--to", "production"), "unknown environment 'stagin'", "environments"),
    (("--from", "staging", "--to", "prod"), "unknown environment 'prod'", "environments"),
])
def test_an_unknown_environment_exits_2_with_the_known_ones(project: Project, args: tuple[str, ...], says: str,
                                                            path: str) -> None:
    project.spec("1.0", extra=ENVS % free_port())
    error = project.json("promote", *args, expect=2)["error"]
    assert says in error["message"] and error["path"] == path and error["hint"] == "known: staging, production"
    assert not (project.home() / "state.db").exists()


def test_promoting_from_an_environment_with_no_passed_release_exits_6_and_creates_nothing(project: Project) -> None:
    project.spec("1.0", extra=ENVS % free_port())
    error = project.json("promote", "--from", "staging", "--to", "production", expect=6)["error"]
    assert error["code"] == "policy_refused"
    assert error["message"] == "nothing to promote from staging: never deployed: hello was never deployed to staging"
    assert "history -e staging" in error["hint"]
    assert not (project.home() / "state.db").exists()
    text = project.run("promote", "--from", "staging", "--to", "production")
    assert text.returncode == 6 and "Traceback" not in text.stderr and text.stderr.startswith("error: nothing")


@pytest.mark.parametrize(("args", "says"), [
    (("promote", "--from", "staging", "--to", "staging"), "--from and --to are both staging"),
    (("promote", "--from", "staging", "--to", "production", "--override-freeze"), "needs --reason"),
    (("deploy", "-e", "production", "--override-freeze"), "needs --reason"),
    (("deploy", "-e", "production", "--reason", "why"), "only used with --override-freeze"),
])
def test_contradictory_options_exit_2(project: Project, args: tuple[str, ...], says: str) -> None:
    project.spec("1.0", extra=ENVS % free_port())
    error = project.json(*args, expect=2)["error"]
    assert says in error["message"] and error["hint"]


def test_a_bad_freeze_window_names_its_key_path(project: Project) -> None:
    project.spec("1.0", extra="environments:\n  production:\n    policy: {freeze: [\"Fri 16:00-Mon 08:00\", "
                              "\"someday\"]}\n")
    error = project.json("deploy", "-e", "production", expect=2)["error"]
    assert error["path"] == "environments.production.policy.freeze[1]" and "is not a freeze window" in error["message"]


def test_every_environment_has_its_own_lock_history_and_current_release(project: Project) -> None:
    production = free_port()
    project.spec("1.0", extra=ENVS % production)
    project.json("deploy", "-e", "staging")
    assert project.json("status", "-e", "production")["environments"][0]["current"] is None
    assert [d["environment"] for d in project.json("history", "-e", "staging")["deployments"]] == ["staging"]
    assert project.json("history", "-e", "production")["deployments"] == []
    assert project.json("events", "-e", "production")["events"] == []
    locks = project.json("lock", "status", "-e", "staging")["locks"]
    assert [lock["key"] for lock in locks] in ([], ["hello/staging"])
    assert project.json("lock", "status", "-e", "production")["locks"] == []
    assert project.json("check", "-e", "production", expect=None)["ok"] is False   # nothing runs there
    project.json("down", "-e", "staging")
