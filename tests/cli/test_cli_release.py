"""`shipmate release`: the dry run lists every commit loudly, steps run with the version and stop at the first
failure, and each run is an audit event with its duration and outcome (real git, real local commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.cli.test_json_shapes import _pinned
from tests.versioning.git_project import GitProject

PY = sys.executable
BUILD = ("import os; e = os.environ; open('built.txt', 'w').write("
         "' '.join([e['SHIPMATE_VERSION'], e['SHIPMATE_PREVIOUS_VERSION'], e['SHIPMATE_TAG']]))")
UPLOAD = "import os, sys; print('uploading'); sys.exit(int(os.environ.get('FAIL_UPLOAD', '0')))"
STEPS = f"""\
release:
  version_files: [VERSION]
  changelog: null
  steps:
    - {{name: build, run: [{PY}, -c, "{BUILD}"]}}
    - {{name: upload, run: [{PY}, -c, "{UPLOAD}"]}}
    - {{name: publish, run: [{PY}, -c, "open('published.txt','w').write('yes')"]}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> GitProject:
    project = GitProject.create(tmp_path, release=STEPS)
    project.write("VERSION", "2.0.0\n")
    project.write(".gitignore", ".shipmate/\nbuilt.txt\npublished.txt\n")
    project.init()
    project.tag("v2.0.0")
    return project


def _events(repo: GitProject) -> list[dict[str, object]]:
    shown = repo.json("events")
    return [e for e in shown["events"] if str(e["event_type"]).startswith("release.")]


def test_the_dry_run_lists_every_commit_and_reads_squash_bodies_line_by_line(repo: GitProject) -> None:
    repo.commit("Merge feature/payments (#42)\n\n* fix: round cents\n* fix(db): close the cursor\n")
    repo.commit("Fix the thing quickly")
    repo.commit("Merge branch 'topic'")
    before = repo.snapshot()
    plan = repo.json("release", "--dry-run")
    assert (plan["version"], plan["next_version"], plan["bump"], plan["tag"]) == ("2.0.0", "2.0.1", "patch",
                                                                                  "v2.0.1")
    kinds = [(c["subject"], c["kind"], c["bump"], len(c["changes"])) for c in plan["commits"]]
    assert kinds == [("Merge feature/payments (#42)", "conventional", "patch", 2),
                     ("Fix the thing quickly", "unparsed", "none", 0), ("Merge branch 'topic'", "merge", "none", 0)]
    assert len(plan["unparsed"]) == 1 and plan["steps"] == ["build", "upload", "publish"]
    _pinned("release_dry_run", plan)
    text = repo.run("release", "--dry-run")
    assert text.returncode == 0
    assert "!! " in text.stdout and "UNPARSED  Fix the thing quickly" in text.stdout
    assert "warning: 1 commit(s) could not be parsed" in text.stdout
    assert repo.snapshot() == before


def test_nothing_to_release_is_exit_0_with_a_sentence(repo: GitProject) -> None:
    repo.commit("chore: tidy")
    for args in (("release", "--dry-run"), ("release",)):
        done = repo.run(*args)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().endswith("nothing to release since v2.0.0: 1 commit(s), none a feat, fix, perf "
                                            "or breaking change")
    shown = repo.json("release")
    assert shown["nothing_to_release"] is True and shown["commits"][0]["subject"] == "chore: tidy"
    _pinned("release_nothing", shown)
    assert not (repo.root / "built.txt").exists()


def test_release_bumps_then_runs_every_step_with_the_version_and_records_it(repo: GitProject) -> None:
    repo.commit("feat: webhooks")
    done = repo.json("release")
    assert (done["previous"], done["version"], done["tag"], done["outcome"]) == ("2.0.0", "2.1.0", "v2.1.0",
                                                                                 "succeeded")
    assert [(s["name"], s["ok"], s["exit_code"]) for s in done["steps"]] == [("build", True, 0), ("upload", True, 0),
                                                                             ("publish", True, 0)]
    assert done["steps"][1]["output_tail"] == "uploading"
    _pinned("release", done)
    assert repo.read("built.txt") == "2.1.0 2.0.0 v2.1.0"
    assert repo.read("VERSION") == "2.1.0\n" and repo.git("describe", "--exact-match") == "v2.1.0"
    (event,) = _events(repo)
    assert (event["event_type"], event["status"], event["version"]) == ("release.succeeded", "succeeded", "2.1.0")
    assert isinstance(event["duration_seconds"], float) and event["duration_seconds"] > 0
    assert [s["name"] for s in event["data"]["steps"]] == ["build", "upload", "publish"]  # type: ignore[index]


def test_a_failing_step_stops_the_release_and_is_recorded_as_failed(repo: GitProject) -> None:
    repo.commit("fix: retry")
    repo.env["FAIL_UPLOAD"] = "3"
    done = repo.run("release", "--json")
    assert done.returncode == 5, done.stdout
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "release_step_failed" and "step 'upload' failed (exit 3)" in error["message"]
    assert [s["name"] for s in error["details"]["steps"]] == ["build", "upload"]
    assert not (repo.root / "published.txt").exists()            # the step after the failure never ran
    (event,) = _events(repo)
    assert (event["event_type"], event["status"]) == ("release.failed", "failed")
    assert event["errors"] == ["step upload: exit 3"]
    # The tag stays; the steps are run again for it once the cause is fixed.
    assert repo.git("describe", "--exact-match") == "v2.0.1"
    repo.env["FAIL_UPLOAD"] = "0"
    again = repo.json("release", "--steps-only")
    assert again["version"] == "2.0.1" and [s["ok"] for s in again["steps"]] == [True, True, True]
    assert repo.read("published.txt") == "yes"
    assert [e["event_type"] for e in _events(repo)] == ["release.failed", "release.succeeded"]


def test_a_step_that_cannot_start_is_a_one_line_failure(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {changelog: null, steps: [{name: build, run: "
                             "[./no-such-build-script]}]}\n")
    repo.write("VERSION", "1.0.0\n")
    repo.init()
    repo.tag("v1.0.0")
    repo.commit("fix: x")
    done = repo.run("release")
    assert done.returncode == 5 and "step 'build' failed (could not start ./no-such-build-script" in done.stderr
    assert "Traceback" not in done.stderr


def test_release_refuses_when_the_version_files_disagree(repo: GitProject) -> None:
    repo.write("VERSION", "1.9.0\n")
    repo.git("commit", "-qam", "fix: wrong version")
    before = repo.snapshot()
    done = repo.run("release")
    assert done.returncode == 2 and "VERSION says 1.9.0" in done.stderr
    assert repo.snapshot() == before and not (repo.root / "built.txt").exists()


def test_a_bump_that_git_refuses_releases_nothing_and_is_recorded(repo: GitProject) -> None:
    repo.commit("feat: search")
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.snapshot()
    done = repo.run("release")
    assert done.returncode == 7 and "git commit failed: no commits today" in done.stderr
    assert repo.snapshot() == before and not (repo.root / "built.txt").exists()
    (event,) = _events(repo)
    assert (event["event_type"], event["version"]) == ("release.failed", "2.1.0")
    assert event["errors"] == ["bump: git commit failed: no commits today"]
