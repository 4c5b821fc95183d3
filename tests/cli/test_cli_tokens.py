"""`shipmate token create|list|revoke`: the host's API tokens, kept only as sha256 hashes; bad input is one line,
exit 2, and changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from tests.e2e.cli_project import Project


def _host_db(project: Project) -> Path:
    return Path(project.env["XDG_STATE_HOME"]) / "shipmate" / "host" / "state.db"


def test_a_token_is_shown_once_and_the_host_keeps_only_its_hash(project: Project) -> None:
    made = project.json("token", "create", "--name", "ci", "--scope", "deploy", "--agent")
    secret = made["secret"]
    assert made["token"] == {"name": "ci", "scope": "deploy", "agent": True, "created_at": made["token"]["created_at"],
                             "created_by": made["token"]["created_by"], "revoked_at": None}
    raw = b"".join(p.read_bytes() for p in _host_db(project).parent.glob("state.db*"))
    assert secret.encode() not in raw
    with sqlite3.connect(_host_db(project)) as db:
        [(stored,)] = db.execute("SELECT token_hash FROM api_tokens WHERE name = 'ci'").fetchall()
    db.close()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    listed = project.run("token", "list")
    assert "ci" in listed.stdout and "agent" in listed.stdout and secret not in listed.stdout
    assert [t["name"] for t in project.json("token", "list")["tokens"]] == ["ci"]


def test_bad_token_input_is_one_line_exit_2_and_changes_nothing(project: Project) -> None:
    for args, words in ((["create", "--name", "Bad Name", "--scope", "read"], "token name"),
                        (["create", "--name", "ok", "--scope", "root"], "--scope"),
                        (["revoke", "nobody"], "no active token")):
        proc = project.run("token", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert words in proc.stderr and "Traceback" not in proc.stderr and proc.stderr.count("\n") <= 2
    assert project.json("token", "list")["tokens"] == []
    assert not _host_db(project).exists()   # not even an empty host database was made
