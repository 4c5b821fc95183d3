"""A deploy to an environment that asks for it takes a backup before it changes anything."""

from __future__ import annotations

from pathlib import Path

from shipmate.ops.common.workspace import Workspace
from shipmate.ops.gates.backup import before_deploy
from shipmate.spec.loader import load_spec
from tests.backups.conftest import DataProject
from tests.e2e.cli_project import Project

BACKUP = """backup:
  paths: [data/, {sqlite: app.db}]
environments:
  production: {backup_before_deploy: true}
"""


def _data(root: Path) -> None:
    from tests.backups.conftest import make_db

    (root / "data").mkdir()
    (root / "data" / "state.json").write_text('{"orders": 3}\n')
    make_db(root / "app.db", 50)


def test_a_production_deploy_leaves_a_backup_and_restore_confirms_health(project: Project) -> None:
    _data(project.root)
    project.spec("1.0.0", extra=BACKUP)
    out = project.json("deploy", "-e", "production", timeout=120)
    assert out["state"] == "succeeded" and out["backup"]["reason"] == "before_deploy"
    listed = project.json("backup", "list", "-e", "production")["backups"]
    assert [b["backup_id"] for b in listed] == [out["backup"]["backup_id"]]
    events = project.json("events", "-e", "production")["events"]
    assert any(e["event_type"] == "backup.created" for e in events)
    # Restore while the release serves: the health check passes, so the replaced copies are removed.
    (project.root / "data" / "state.json").write_text('{"orders": 0}\n')
    restored = project.json("backup", "restore", out["backup"]["backup_id"], "-e", "production", timeout=60)
    assert restored["health"]["healthy"] is True and restored["kept_aside"] == []
    assert (project.root / "data" / "state.json").read_text() == '{"orders": 3}\n'
    assert not list(project.root.glob("*shipmate-replaced*")) and project.serves("1.0.0")


def test_a_failing_backup_stops_the_deploy_and_leaves_the_running_release(project: Project) -> None:
    _data(project.root)
    project.spec("1.0.0", extra=BACKUP)
    project.json("deploy", "-e", "production", timeout=120)
    history = project.json("history", "-e", "production")["deployments"]
    (project.root / "app.db").unlink()          # the backup of v2 cannot be taken
    project.spec("2.0.0", extra=BACKUP)
    out = project.json("deploy", "-e", "production", expect=2, timeout=60)
    assert out["error"]["path"] == "backup.paths[1]" and "does not exist" in out["error"]["message"]
    assert project.serves("1.0.0")
    assert project.json("history", "-e", "production")["deployments"] == history
    assert project.json("status", "-e", "production")["environments"][0]["current"]["version"] == "1.0.0"
    events = project.json("events", "-e", "production")["events"]
    assert any(e["event_type"] == "backup.failed" for e in events)


def test_staging_takes_no_backup_and_a_dry_run_shows_the_one_production_would(project: Project) -> None:
    _data(project.root)
    project.spec("1.0.0", extra=BACKUP.replace("production: {", "staging: {}\n  production: {"))
    plan = project.json("deploy", "-e", "production", "--dry-run")
    assert plan["backup"]["dry_run"] is True and plan["backup"]["files"] == 2
    assert not (project.root / ".shipmate" / "backups").exists()
    staged = project.json("deploy", "-e", "staging", timeout=120)
    assert "backup" not in staged and not (project.root / ".shipmate" / "backups").exists()


def test_protected_environments_back_up_by_default(data_project: DataProject) -> None:
    data_project.write_spec("  paths: [app.conf]", extra="environments:\n  dev: {}\n  prod: {protected: true}\n"
                            "  prod-nobackup: {protected: true, backup_before_deploy: false}\n")
    ws = Workspace.locate(data_project.spec)
    for env, wanted in (("dev", False), ("prod", True), ("prod-nobackup", False)):
        loaded = load_spec(ws.spec_path, environment=env)
        assert (before_deploy(ws, loaded, dry_run=True) is not None) is wanted, env


def test_a_restore_under_an_unhealthy_release_keeps_the_replaced_files_and_exits_3(project: Project) -> None:
    _data(project.root)
    project.spec("1.0.0", extra=BACKUP)
    backup_id = project.json("deploy", "-e", "production", timeout=120)["backup"]["backup_id"]
    (project.root / "data" / "state.json").write_text('{"orders": 9}\n')
    project.steer("1.0.0", {"fail_health": True})
    out = project.json("backup", "restore", backup_id, "-e", "production", expect=3, timeout=60)
    assert out["error"]["code"] == "health_check_failed" and "kept aside" in out["error"]["hint"]
    kept = out["error"]["details"]["kept_aside"]
    aside = next(Path(a["aside"]) for a in kept if a["target"] == "data/")
    assert (aside / "state.json").read_text() == '{"orders": 9}\n'
    assert (project.root / "data" / "state.json").read_text() == '{"orders": 3}\n'
