"""deploy / status / history / rollback / down / logs of a `files` target, through the CLI as a user runs them."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.ops.files_project import FilesProject


@pytest.fixture
def project(tmp_path: Path) -> FilesProject:
    made = FilesProject(tmp_path)
    made.spec("1.0.0")
    made.agent("reviewer")
    made.agent("deployer")
    return made


def test_deploy_writes_the_set_and_a_repeat_does_nothing_at_all(project: FilesProject) -> None:
    project.dest.mkdir(parents=True)
    (project.dest / "mine.md").write_text("the user's own agent\n")
    first = project.json("deploy")
    assert first["deployed"] == ["deployer.md", "reviewer.md"] and first["duration_ms"] >= 0
    assert set(first) >= {"deployed", "updated", "migrated", "skipped", "preserved", "conflicts", "removed",
                          "duration_ms"}
    assert project.folder()["reviewer.md"].startswith(b"---\nname: reviewer\n")
    again = project.json("deploy")
    assert again["noop"] is True and again["skipped"] == ["deployer.md", "reviewer.md"]
    assert again["deployment_id"] is None
    assert len(project.json("history")["deployments"]) == 1          # nothing recorded either
    status = project.json("status")["environments"][0]
    assert status["current"]["version"] == "1.0.0" and status["serving"] is True
    assert (project.dest / "mine.md").read_text() == "the user's own agent\n"
    home = str(project.root / ".shipmate")                            # a files release needs no router
    assert not [p for p in psutil.process_iter(["cmdline"]) if home in (p.info["cmdline"] or [])]


def test_an_edited_agent_stays_its_new_version_goes_beside_it_and_rollback_restores_the_old_set(
        project: FilesProject) -> None:
    project.json("deploy")
    v1 = project.folder()
    (project.dest / "reviewer.md").write_bytes(v1["reviewer.md"] + b"my own line\n")
    project.agent("reviewer", prompt="Review harder.")
    project.agent("deployer", prompt="Deploy carefully.")
    project.agent("writer")
    dry = project.json("deploy", "--version", "1.1.0", "--dry-run")
    assert "+Deploy carefully." in dry["diffs"]["deployer.md"] and "reviewer.md.new" in dry["diffs"]
    assert project.folder()["deployer.md"] == v1["deployer.md"]          # the dry run wrote nothing
    result = project.json("deploy", "--version", "1.1.0")
    assert result["conflicts"] == ["reviewer.md"] and result["updated"] == ["deployer.md"]
    assert result["deployed"] == ["writer.md"]
    assert project.folder()["reviewer.md"].endswith(b"my own line\n")
    assert project.folder()["reviewer.md.new"].endswith(b"Review harder.\n")
    (project.root / "templates" / "agent.md.j2").write_text("changed since: rollback must not re-render\n")
    back = project.json("rollback")
    assert back["version"] == "1.0.0" and back["removed"] == ["writer.md"] and back["conflicts"] == ["reviewer.md"]
    folder = project.folder()
    assert folder["deployer.md"] == v1["deployer.md"] and "writer.md" not in folder
    assert folder["reviewer.md"].endswith(b"my own line\n")             # still the user's edit
    assert folder["reviewer.md.new"] == v1["reviewer.md"]              # beside it: 1.0.0's version now
    history = project.json("history")["deployments"]
    assert [(d["kind"], d["version"], d["state"]) for d in history] == [
        ("rollback", "1.0.0", "succeeded"), ("deploy", "1.1.0", "succeeded"), ("deploy", "1.0.0", "succeeded")]


def test_down_removes_only_ours_and_logs_says_there_are_none(project: FilesProject) -> None:
    project.json("deploy")
    (project.dest / "deployer.md").write_text("edited\n")
    (project.dest / "mine.md").write_text("mine\n")
    logs = project.run("logs")
    assert logs.returncode == 2 and "files target" in logs.stderr and "Traceback" not in logs.stderr
    down = project.json("down")
    assert down["removed"] == ["reviewer.md"] and down["preserved"] == ["deployer.md"]
    assert project.folder() == {"deployer.md": b"edited\n", "mine.md": b"mine\n"}
    status = project.json("status")["environments"][0]
    assert status["current"] is None and status["serving"] is False


def test_a_release_that_fails_its_check_puts_the_previous_set_back(project: FilesProject) -> None:
    project.json("deploy")
    v1 = project.folder()
    project.agent("reviewer", description="bad")          # under the schema's minLength
    failed = project.json("deploy", "--version", "1.1.0", code=1)
    assert "reviewer.md" in failed["error"]["message"] and "1.0.0 is back" in failed["error"]["message"]
    assert project.folder() == v1
    history = project.json("history")["deployments"]
    assert (history[0]["version"], history[0]["state"]) == ("1.1.0", "rolled_back")
    assert project.json("status")["environments"][0]["current"]["version"] == "1.0.0"


def test_a_deploy_killed_half_way_is_told_truthfully_and_finished_by_the_next_one(project: FilesProject) -> None:
    project.json("deploy")
    for name in ("a", "b", "c", "d"):
        project.agent(name, prompt=f"{name} v2")
    killed = project.run("deploy", "--version", "2.0.0", env={"SHIPMATE_CRASHPOINT": "files:half"})
    assert killed.returncode == -9
    assert any(name in project.folder() for name in ("a.md", "b.md", "c.md", "d.md"))   # half written
    status = project.json("status")["environments"][0]            # reconciles first: rolls the switch back
    assert status["current"]["version"] == "1.0.0" and status["serving"] is True
    assert status["deployment_in_progress"] is None
    assert status["last_deployment"]["state"] == "rolled_back"
    assert sorted(project.folder()) == ["deployer.md", "reviewer.md"]    # exactly 1.0.0's set again
    killed = project.run("deploy", "--version", "2.0.0", env={"SHIPMATE_CRASHPOINT": "files:intent"})
    assert killed.returncode == -9
    done = project.json("deploy", "--version", "2.0.0")            # deploy itself reconciles too
    assert done["conflicts"] == [] and done["preserved"] == []
    assert sorted(project.folder()) == ["a.md", "b.md", "c.md", "d.md", "deployer.md", "reviewer.md"]
    states = [(d["version"], d["state"]) for d in project.json("history")["deployments"]]
    assert states == [("2.0.0", "succeeded"), ("2.0.0", "rolled_back"), ("2.0.0", "rolled_back"),
                      ("1.0.0", "succeeded")]


def test_check_says_whether_every_file_of_ours_is_present_and_parses(project: FilesProject) -> None:
    project.json("deploy")
    healthy = project.json("check")
    assert healthy["healthy"] is True and healthy["levels"][0]["name"] == "files"
    (project.dest / "reviewer.md").write_text("---\nname: reviewer\ndescription: [unclosed\n---\n")
    failed = project.json("check", code=3)
    assert "reviewer.md: does not parse" in failed["error"]["message"]
    assert project.json("status")["environments"][0]["serving"] is False
    (project.dest / "deployer.md").unlink()
    assert "deployer.md" in project.json("check", code=3)["error"]["details"]["problems"]


def test_only_keep_rendered_sets_are_kept_and_a_pruned_one_is_said_to_be_gone(project: FilesProject) -> None:
    project.spec("1.0.0", extra="  keep: 1\n")
    project.json("deploy")
    project.agent("reviewer", prompt="two")
    project.json("deploy", "--version", "2.0.0")
    kept = sorted(p.name for p in (project.root / ".shipmate" / "snapshots" / "agents").iterdir() if p.is_dir())
    assert len(kept) == 1 and kept[0].startswith("files-")
    refused = project.json("rollback", code=2)
    assert "no longer kept" in refused["error"]["message"] and refused["error"]["hint"]
    assert project.folder()["reviewer.md"].endswith(b"two\n")
