"""A process release's files: no data lost to a snapshot, shared paths, the build, retention, and the faults
(bad shared paths, failing and hanging builds, a full disk, rollback to a pruned snapshot or without one).

Every refusal: its exit code, a one-line message naming the thing, no traceback, nothing recorded, and the
serving release untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_project import Project

# Writes one row per GET / into data/app.db (relative to its cwd) and says how many rows it sees; at start it
# also leaves a file of its own in its cwd, outside any link (shipmate must report it, never prune it).
SQLITE_APP = '''import json, os, sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ["SHIPMATE_VERSION"]
os.makedirs("data", exist_ok=True)
with open(f"made-by-{VERSION}.txt", "w") as fh:
    fh.write("scratch\\n")


def rows(add):
    db = sqlite3.connect("data/app.db")
    with db:
        db.execute("create table if not exists hits (version text)")
        if add:
            db.execute("insert into hits values (?)", (VERSION,))
        count = db.execute("select count(*) from hits").fetchone()[0]
    db.close()
    return count


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        count = rows(add=self.path == "/")
        body = json.dumps({"version": VERSION, "rows": count, "mark": "MARK"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''


def _git(project: Project, *args: str) -> None:
    subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e"})


def _hit(project: Project, path: str = "/") -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{project.port}{path}", timeout=5) as resp:
        body: dict[str, object] = json.loads(resp.read())
        return body


def _refused(project: Project, expect: int, *args: str) -> dict[str, object]:
    """Run `deploy`, expect a refusal: one line, no traceback, nothing recorded, 1.0.0 still serving."""
    before = len(project.json("history")["deployments"])
    proc = project.run("deploy", *args)
    assert proc.returncode == expect, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(project.json("history")["deployments"]) == before      # nothing recorded
    assert project.get("/")["version"] == "1.0.0"
    return {"stderr": proc.stderr}


@pytest.mark.slow
def test_an_app_writing_sqlite_in_its_cwd_loses_no_row_across_three_releases_and_a_rollback(
        project: Project) -> None:
    (project.root / "app.py").write_text(SQLITE_APP.replace("MARK", "code-1"))
    (project.root / ".gitignore").write_text("data/\n*.txt\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "one")
    (project.root / "data").mkdir()
    seen = 0
    for n in (1, 2, 3):
        (project.root / "app.py").write_text(SQLITE_APP.replace("MARK", f"code-{n}"))
        project.spec(f"{n}.0.0", target_extra="  keep_releases: 2\n")
        project.json("deploy")
        for _ in range(3):
            body = _hit(project)
            seen += 1
            assert body["mark"] == f"code-{n}" and body["rows"] >= seen, body
    back = project.json("rollback", "--to", "1.0.0")
    assert back["state"] == "succeeded"
    body = _hit(project, "/count")
    assert body["mark"] == "code-1" and body["version"] == "1.0.0"
    assert body["rows"] >= seen                           # every row written by 1, 2 and 3 is still there
    assert (project.root / "data" / "app.db").is_file()   # where it always was: in the project

    current = project.json("status")["environments"][0]["current"]
    assert current["created_files"] == ["made-by-1.0.0.txt"], current   # reported, kept
    report = project.json("doctor")                                 # and doctor names them, with what to do
    [found] = [f for f in report["findings"] if f["id"] == "snapshot.created_files"]
    assert found["detail"]["files"] == ["made-by-1.0.0.txt"] and "target.shared" in found["fix"], found
    events = project.json("events", "--limit", "500")["events"]
    kept = [e for e in events if e["event_type"] == "snapshot.kept"]
    assert kept, "a retired snapshot with an instance's own files must be audited when it is kept"


@pytest.mark.slow
def test_shared_paths_outside_the_project_or_in_the_artifact_are_refused_by_key_path(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", target_extra="  shared: [../elsewhere]\n")
    out = _refused(project, 2)
    assert "target.shared" in str(out["stderr"]) and "outside the project" in str(out["stderr"])
    (project.root / "data").mkdir()
    (project.root / "data" / "seed.json").write_text("{}")     # no git: the walk makes it part of the artifact
    project.spec("2.0.0", target_extra="  shared: [data]\n")
    out = _refused(project, 2)
    assert "target.shared[0]" in str(out["stderr"]) and "data/seed.json" in str(out["stderr"])


@pytest.mark.slow
def test_a_failing_or_hanging_build_refuses_the_deploy_with_its_last_lines_and_a_passing_one_runs_in_the_snapshot(
        project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    failing = '  build: [["python3", "-c", "print(\'compiling\'); print(\'boom: bad asset\'); raise SystemExit(3)"]]\n'
    project.spec("2.0.0", target_extra=failing)
    out = _refused(project, 7)
    assert "exited with code 3" in str(out["stderr"]) and "boom: bad asset" in str(out["stderr"])
    hanging = '  build: [["python3", "-c", "import time; time.sleep(60)"]]\n  build_timeout: 1s\n'
    project.spec("2.0.0", target_extra=hanging)
    out = _refused(project, 7)
    assert "still running after 1s" in str(out["stderr"])
    passing = '  build: [["python3", "-c", "open(\'built.txt\', \'w\').write(\'ok\')"]]\n'
    project.spec("2.0.0", target_extra=passing)
    project.json("deploy")
    current = project.json("status")["environments"][0]["current"]
    assert (Path(current["snapshot"]) / "built.txt").read_text() == "ok"
    assert not (project.root / "built.txt").exists()          # built inside the release, not in the project
    assert current["created_files"] == []                      # a build's output is the release's, not stray


@contextlib.contextmanager
def _small_disk(where: Path, size: str) -> Iterator[None]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and mount rights): {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.slow
def test_a_disk_that_fills_while_snapshotting_refuses_the_deploy_and_leaves_nothing(project: Project) -> None:
    with _small_disk(project.home() / "snapshots", "2m"):
        project.spec("1.0.0")
        project.json("deploy")
        (project.root / "big.bin").write_bytes(os.urandom(4 * 1024 * 1024))
        project.spec("2.0.0")
        out = _refused(project, 7)
        assert "no space left" in str(out["stderr"])
        leftovers = sorted(p.name for p in (project.home() / "snapshots" / "hello").iterdir())
        assert len(leftovers) == 2 and len([n for n in leftovers if n.endswith(".json")]) == 1, leftovers
        (project.root / "big.bin").unlink()     # space again: the same deploy goes through
        assert project.json("deploy")["state"] == "succeeded"
        assert project.get("/")["version"] == "2.0.0"


@pytest.mark.slow
def test_without_snapshots_a_rollback_whose_files_changed_is_refused_naming_them(project: Project) -> None:
    project.spec("1.0.0", target_extra="  snapshot: false\n")
    project.json("deploy")
    (project.root / "app.py").write_text((project.root / "app.py").read_text() + "\n# changed\n")
    project.spec("2.0.0", target_extra="  snapshot: false\n")
    project.json("deploy")
    assert not (project.home() / "snapshots").exists()
    out = project.json("rollback", "--to", "1.0.0", expect=2)
    assert "~app.py" in out["error"]["message"] and "snapshot" in out["error"]["message"]
    assert project.get("/")["version"] == "2.0.0"


@pytest.mark.slow
def test_retention_prunes_old_snapshots_and_a_rollback_to_a_pruned_one_exits_2(project: Project) -> None:
    for n in (1, 2, 3):
        (project.root / "release.txt").write_text(f"{n}\n")
        project.spec(f"{n}.0.0", target_extra="  keep_releases: 2\n")
        project.json("deploy")
    out = project.json("rollback", "--to", "1.0.0", expect=2)
    assert out["error"]["code"] == "not_found" and "pruned" in out["error"]["message"]
    assert project.get("/")["version"] == "3.0.0"
    back = project.json("rollback", "--to", "2.0.0")
    assert back["state"] == "succeeded" and project.get("/")["version"] == "2.0.0"
    seals = sorted(p.name for p in (project.home() / "snapshots" / "hello").glob("*.json"))
    assert len(seals) == 2, seals
