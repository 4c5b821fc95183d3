"""`shipmate store`: a bad --to is bad input (exit 2, one line, no traceback); `store homes` lists this host's."""

from __future__ import annotations

from tests.e2e.cli_project import Project


def test_store_copy_to_a_url_that_is_not_postgresql_exits_2_naming_the_option(project: Project) -> None:
    project.spec("1.0.0")
    proc = project.run("store", "copy", "--to", "mysql://u:pw@db/x")
    assert proc.returncode == 2, proc.stderr
    assert "--to: 'mysql://u:***@db/x' is not a postgresql:// URL" in proc.stderr
    assert "Traceback" not in proc.stderr and "pw@" not in proc.stderr + proc.stdout
    data = project.json("store", "copy", "--to", "nope", expect=2)
    assert data["ok"] is False and data["error"]["exit_code"] == 2


def test_store_homes_on_sqlite_lists_this_hosts_registry(project: Project) -> None:
    data = project.json("store", "homes")
    assert data["backend"] == "sqlite" and data["homes"] == []
