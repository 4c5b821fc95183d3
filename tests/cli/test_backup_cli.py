"""`shipmate backup ...` as a user runs it: bad input gets one line naming the thing, its exit code, no change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.cli_project import Project


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _setup(project: Project, backup: str) -> None:
    (project.root / "data").mkdir()
    (project.root / "data" / "a.txt").write_text("alpha\n")
    with sqlite3.connect(project.root / "app.db") as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    project.spec("1.0.0", extra=backup)


def test_a_path_outside_the_project_is_refused_naming_its_key(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/, ../outside]\n")
    before = _files(project.root)
    proc = project.run("backup", "create")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert "backup.paths[1]" in proc.stderr and "outside the project folder" in proc.stderr
    out = project.json("backup", "create", expect=2)
    assert out["error"]["path"] == "backup.paths[1]" and out["error"]["hint"]
    assert _files(project.root) == before


def test_a_symlink_leading_out_of_the_project_is_refused(project: Project, tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (project.root / "link").symlink_to(tmp_path / "secret")
    _setup(project, "backup:\n  paths: [data/, link]\n")
    out = project.json("backup", "create", expect=2)
    assert out["error"]["path"] == "backup.paths[1]" and "leads outside the project folder" in out["error"]["message"]


def test_a_missing_path_is_refused_and_nothing_is_created(project: Project) -> None:
    _setup(project, "backup:\n  paths: [{sqlite: gone.db}, data/]\n")
    before = _files(project.root)
    out = project.json("backup", "create", expect=2)
    assert out["error"]["code"] == "spec_invalid" and out["error"]["path"] == "backup.paths[0]"
    assert "does not exist" in out["error"]["message"]
    assert _files(project.root) == before


def test_no_backup_section_and_an_unknown_environment_exit_2(project: Project) -> None:
    project.spec("1.0.0")
    assert project.json("backup", "list", expect=2)["error"]["path"] == "backup"
    _setup(project, "backup:\n  paths: [data/]\n")
    out = project.json("backup", "create", "-e", "nowhere", expect=2)
    assert "unknown environment" in out["error"]["message"]


def test_an_unknown_backup_id_is_not_found(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/]\n")
    out = project.json("backup", "restore", "bk-20260101-000000-abcdef", expect=2)
    assert out["error"]["code"] == "not_found" and "backup list" in out["error"]["hint"]


def test_a_corrupted_archive_exits_2_and_replaces_nothing(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/, {sqlite: app.db}]\n")
    made = project.json("backup", "create")
    archive = Path(made["destination"]) / made["archive"]["name"]
    blob = bytearray(archive.read_bytes())
    blob[-20] ^= 0x55
    archive.write_bytes(bytes(blob))
    (project.root / "data" / "a.txt").write_text("newer\n")
    before = _files(project.root)
    proc = project.run("backup", "restore", made["backup_id"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "damaged" in proc.stderr or "sha256" in proc.stderr
    out = project.json("backup", "restore", made["backup_id"], expect=2)
    assert out["error"]["code"] == "backup_corrupt" and "nothing was replaced" in out["error"]["hint"]
    assert (project.root / "data" / "a.txt").read_text() == "newer\n" and _files(project.root) == before


def test_an_unreachable_destination_is_a_missing_prerequisite(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/]\n  destination: nosuchproto://bucket/x\n")
    out = project.json("backup", "create", expect=7)
    assert out["error"]["code"] == "prerequisite_missing" and "nosuchproto" in out["error"]["message"]


def test_dry_run_creates_nothing_and_says_what_and_where(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/, {sqlite: app.db}]\n")
    before = _files(project.root)
    proc = project.run("backup", "create", "--dry-run")
    assert proc.returncode == 0 and "would back up" in proc.stdout and ".shipmate/backups" in proc.stdout
    assert "nothing written" in proc.stdout
    out = project.json("backup", "create", "--dry-run")
    assert out["dry_run"] is True and out["files"] == 2 and out["estimated_compressed_bytes"] > 0
    assert _files(project.root) == before


def test_create_list_restore_prune_in_plain_text(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/]\n  keep: 1\n")
    first = project.run("backup", "create")
    assert first.returncode == 0 and first.stdout.startswith("backup bk-")
    second = project.json("backup", "create")
    assert len(second["pruned"]) == 1
    listing = project.run("backup", "list")
    assert listing.returncode == 0 and second["backup_id"] in listing.stdout and len(listing.stdout.splitlines()) == 1
    (project.root / "data" / "a.txt").write_text("changed\n")
    restored = project.run("backup", "restore", second["backup_id"])
    assert restored.returncode == 0 and "kept aside" in restored.stdout
    assert (project.root / "data" / "a.txt").read_text() == "alpha\n"
    assert project.run("backup", "prune").stdout.startswith("removed 0 backup(s)")


def test_a_restore_on_a_protected_environment_waits_for_a_persons_approval_of_that_backup(project: Project) -> None:
    _setup(project, "backup:\n  paths: [data/]\nenvironments:\n  production: {protected: true}\n")
    agent = {"SHIPMATE_ACTOR": "agent:ci"}
    made = project.json("backup", "create")
    (project.root / "data" / "a.txt").write_text("changed\n")
    held = project.json("backup", "restore", made["backup_id"], "--no-wait", expect=6, env=agent)
    assert held["error"]["code"] == "approval_required" and "code" not in held["error"]["details"]
    assert (project.root / "data" / "a.txt").read_text() == "changed\n"        # nothing replaced while held
    [asked] = [row for row in project.json("approvals")["approvals"] if row["id"] == held["error"]["details"][
        "approval_id"]]
    assert (asked["action"], asked["digest"]) == ("restore", made["backup_id"])   # matched on this very backup
    project.json("approve", asked["id"])
    done = project.json("backup", "restore", made["backup_id"], "--no-wait", env=agent)
    assert done["backup_id"] == made["backup_id"]
    assert (project.root / "data" / "a.txt").read_text() == "alpha\n"
