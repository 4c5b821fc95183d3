"""What a new user meets first: --version, grouped --help, a folder never deployed, validate's warnings,
and `secrets -f` like every other command."""

from __future__ import annotations

import json
import re

from shipmate import __version__
from shipmate.cli.help_panels import PANELS
from tests.e2e.cli_project import Project


def test_version_prints_the_package_version_as_text_and_json(project: Project) -> None:
    proc = project.run("--version")
    assert (proc.returncode, proc.stdout) == (0, f"shipmate {__version__}\n")
    data = json.loads(project.run("--version", "--json").stdout)
    assert data == {"ok": True, "command": "version", "version": __version__}


def test_help_lists_every_command_under_its_group_in_a_fixed_order(project: Project) -> None:
    text = project.run("--help").stdout
    headings = re.findall(r"^(\w+) commands:$", text, re.MULTILINE)
    assert headings == list(PANELS)   # deploy / observe / safety / data / agents, and no "Other"
    sections = dict(zip(headings, re.split(r"^\w+ commands:$", text, flags=re.MULTILINE)[1:], strict=True))
    listed = {panel: re.findall(r"^  (\w+)\s", body, re.MULTILINE) for panel, body in sections.items()}
    assert listed["Deploy"][:4] == ["init", "validate", "deploy", "promote"]
    assert {"status", "logs", "history", "events"} <= set(listed["Observe"])
    assert {"approve", "lock", "recover"} <= set(listed["Safety"])
    assert set(listed["Data"]) == {"secrets", "backup", "store"}
    assert {"mcp", "probe"} <= set(listed["Agents"])


def test_read_commands_in_a_folder_never_deployed_say_so_and_create_nothing(project: Project) -> None:
    project.spec("1.0.0")
    for command in ("status", "history", "events"):
        data = project.json(command)
        assert data["never_deployed"] is True, command
        proc = project.run(command)
        assert proc.returncode == 0 and "has never been deployed" in proc.stdout, (command, proc.stderr)
    assert not project.home().exists()


def test_validate_warns_when_the_process_command_is_not_on_path_and_still_exits_0(project: Project) -> None:
    spec = project.spec("1.0.0")
    spec.write_text(re.sub(r'command: \[".*?", "app.py"\]', 'command: ["no-such-tool-here", "app.py"]',
                           spec.read_text()))
    data = project.json("validate")
    assert data["valid"] is True and len(data["warnings"]) == 1
    assert "target.command" in data["warnings"][0] and "no-such-tool-here" in data["warnings"][0]
    proc = project.run("validate")
    assert proc.returncode == 0 and "warning: target.command" in proc.stderr
    project.spec("1.0.0")
    assert project.json("validate")["warnings"] == []


def test_secrets_take_the_spec_with_f_like_every_other_command(project: Project) -> None:
    elsewhere = project.root / "svc"
    elsewhere.mkdir()
    spec = project.spec("1.0.0", name="svc/shipmate.yaml")
    (project.root / "value.txt").write_text("s3cret-value-123")
    set_out = project.json("secrets", "set", "API_KEY", "-f", str(spec), "--from-file", "value.txt")
    assert set_out["secret"]["version"] == 1
    assert (elsewhere / ".shipmate" / "secrets" / "API_KEY").is_dir() and not project.home().exists()
    listed = project.json("secrets", "list", "--file", str(spec))["secrets"]
    assert [s["name"] for s in listed] == ["API_KEY"]
    assert project.json("secrets", "rm", "API_KEY", "-f", str(spec))["name"] == "API_KEY"


def test_init_into_a_folder_that_does_not_exist_exits_7_with_a_hint_and_writes_nothing(project: Project) -> None:
    before = sorted(p.name for p in project.root.iterdir())
    proc = project.run("init", "-f", "missing_dir/shipmate.yaml")
    assert proc.returncode == 7, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and "internal error" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 2 and "missing_dir" in lines[0] and lines[1].startswith("hint:") and "mkdir" in lines[1]
    out = project.json("init", "-f", "missing_dir/shipmate.yaml", expect=7)
    assert out["error"]["code"] == "prerequisite_missing" and "missing_dir" in out["error"]["message"]
    assert sorted(p.name for p in project.root.iterdir()) == before
