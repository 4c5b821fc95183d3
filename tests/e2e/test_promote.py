"""promote and environment policy through the real CLI: real app processes, the real router, real SQLite."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from shipmate.store.store import Store
from tests.e2e.cli_project import Project
from tests.waiting import free_port

WEDNESDAY = {"SHIPMATE_NOW": "2026-11-25T12:00:00+00:00"}
SATURDAY = {"SHIPMATE_NOW": "2026-11-28T12:00:00+00:00"}


def _envs(production_port: int, policy: str = "") -> str:
    return (f"environments:\n  staging: {{}}\n  production:\n    port: {production_port}\n"
            f"    env: {{STAGE: prod}}\n{policy}")


def _current_release(project: Project, env: str) -> dict[str, Any]:
    store = Store.open_readonly(project.home())
    assert store is not None
    try:
        current = store.current("hello", env)
        assert current is not None, f"nothing current in {env}"
        release = store.get_release(current.release_id)
        assert release is not None
        return release.spec
    finally:
        store.close()


def _deployments(project: Project, env: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = project.json("history", "-e", env)["deployments"]
    return rows


def test_promote_deploys_the_release_that_passed_staging_with_the_same_artifact(project: Project) -> None:
    production = free_port()
    project.spec("1.0", extra=_envs(production))
    staged = project.json("deploy", "-e", "staging")
    assert staged["verified"] is True

    plan = project.json("promote", "--from", "staging", "--to", "production", "--dry-run")
    assert plan["dry_run"] and plan["promoted_from"]["deployment_id"] == staged["deployment_id"]
    assert _deployments(project, "production") == []            # a dry run changes nothing

    out = project.json("promote", "--from", "staging", "--to", "production")
    assert out["state"] == "succeeded" and out["environment"] == "production" and out["version"] == "1.0"
    origin = out["origin"]["promoted_from"]
    assert origin["deployment_id"] == staged["deployment_id"] and origin["verdict"] == "pass"
    assert origin["samples"] == staged["verdict"]["samples"] > 0

    staging_release, production_release = _current_release(project, "staging"), _current_release(project, "production")
    assert production_release["artifact"]["sha256"] == staging_release["artifact"]["sha256"] == out["artifact"]
    assert production_release["config_hash"] == staging_release["config_hash"]
    assert production_release["port"] == production and production_release["env"]["STAGE"] == "prod"
    assert project.get("/")["version"] == "1.0"

    # Each environment has its own current release and history; the promotion record shows its evidence.
    history = _deployments(project, "production")
    assert [row["origin"]["promoted_from"]["deployment_id"] for row in history] == [staged["deployment_id"]]
    assert [row["origin"] for row in _deployments(project, "staging")] == [None]
    status = project.json("status", "-e", "production")["environments"]
    assert [e["environment"] for e in status] == ["production"]
    assert status[0]["last_deployment"]["origin"]["promoted_from"]["environment"] == "staging"
    assert "promoted from staging" in project.run("history").stdout


def test_promotion_refuses_config_and_file_drift_and_changes_nothing(project: Project) -> None:
    """Without snapshots (target.snapshot: false) the files on disk are the artifact: an edit supersedes it.
    (With snapshots the source's snapshot is promoted: tests/e2e/test_release_snapshots.py.)"""
    production = free_port()
    nosnap = "  snapshot: false\n"
    project.spec("1.0", extra=_envs(production), target_extra=nosnap)
    project.json("deploy", "-e", "staging")

    project.spec("1.0", extra=_envs(production), app_env={"EXTRA": "1"}, monitor="2s", target_extra=nosnap)
    drift = project.json("promote", "--from", "staging", "--to", "production", expect=6)["error"]
    assert drift["code"] == "policy_refused" and drift["message"].startswith("config drift")
    assert drift["details"]["changed"] == ["monitor.duration", "target.env"]

    project.spec("1.0", extra=_envs(production), target_extra=nosnap)
    (project.root / "app.py").write_text((project.root / "app.py").read_text() + "\n# edited after staging\n")
    superseded = project.json("promote", "--from", "staging", "--to", "production", expect=6)["error"]
    assert superseded["message"].startswith("superseded: the project's files changed") and "~app.py" in \
        superseded["message"]
    assert _deployments(project, "production") == []


def test_a_release_that_failed_staging_or_was_superseded_there_is_not_promoted(project: Project) -> None:
    production = free_port()
    project.spec("1.0", extra=_envs(production), app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
    assert project.run("deploy", "-e", "staging").returncode == 1
    failed = project.json("promote", "--from", "staging", "--to", "production", expect=6)["error"]
    assert failed["message"].startswith("nothing to promote from staging: failed: 1.0 failed in staging")

    project.spec("2.0", extra=_envs(production))
    project.json("deploy", "-e", "staging")
    project.spec("3.0", extra=_envs(production), app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
    assert project.run("deploy", "-e", "staging").returncode == 1
    superseded = project.json("promote", "--from", "staging", "--to", "production", expect=6)["error"]
    assert "superseded: 3.0 was deployed to staging after 2.0 passed" in superseded["message"]
    assert _deployments(project, "production") == []
    project.spec("2.0", extra=_envs(production))   # promoting the older one on purpose: name it
    picked = project.json("promote", "--from", "staging", "--to", "production", "--version", "2.0", "--dry-run")
    assert picked["promoted_from"]["version"] == "2.0"


def test_freeze_and_require_passed_in_gate_a_plain_deploy_to_production(project: Project) -> None:
    production = free_port()
    policy = ('    policy:\n      require_passed_in: staging\n      freeze: ["Fri 16:00-Mon 08:00"]\n')
    project.spec("1.0", extra=_envs(production, policy))

    refused = project.json("deploy", "-e", "production", expect=6, env=WEDNESDAY)["error"]
    assert [r["gate"] for r in refused["details"]["refusals"]] == ["require_passed_in"]
    assert "never deployed" in refused["message"]
    project.json("deploy", "-e", "staging", env=SATURDAY)          # staging has no policy: never frozen

    frozen = project.json("deploy", "-e", "production", expect=6, env=SATURDAY)["error"]
    assert [r["gate"] for r in frozen["details"]["refusals"]] == ["freeze"]
    assert "Fri 16:00-Mon 08:00" in frozen["message"]
    preview = project.json("deploy", "-e", "production", "--dry-run", env=SATURDAY)
    assert preview["policy"]["would_refuse"] and preview["policy"]["refusals"][0]["gate"] == "freeze"
    assert _deployments(project, "production") == []

    done = project.json("deploy", "-e", "production", "--override-freeze", "--reason", "INC-7 hotfix", env=SATURDAY)
    assert done["state"] == "succeeded"
    audit = project.json("events", "-e", "production", "--limit", "100")["events"]
    overridden = [e for e in audit if e["event_type"] == "policy.freeze_overridden"]
    assert len(overridden) == 1 and overridden[0]["notes"] == "INC-7 hotfix"


def test_allow_dirty_false_refuses_a_dirty_git_tree(project: Project) -> None:
    production = free_port()
    project.spec("1.0", extra=_envs(production, "    policy: {allow_dirty: false}\n"))
    not_git = project.json("deploy", "-e", "production", "--dry-run")["policy"]["refusals"]
    assert "not in a git repository" in not_git[0]["reason"]

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True, timeout=30)
    git("init", "-q")
    (project.root / ".gitignore").write_text(".shipmate/\n")
    git("add", "-A")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "one")
    assert project.json("deploy", "-e", "production", "--dry-run")["policy"] == {"would_refuse": False,
                                                                                   "refusals": []}
    Path(project.root / "app.py").write_text("# dirty\n" + (project.root / "app.py").read_text())
    dirty = project.json("deploy", "-e", "production", expect=6)["error"]
    assert dirty["details"]["refusals"][0]["gate"] == "allow_dirty" and "app.py" in dirty["message"]
    assert not (project.home() / "state.db").exists() or _deployments(project, "production") == []
