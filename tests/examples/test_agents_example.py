"""examples/agents: agent definitions rendered from templates into .claude/agents/, as its comments promise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agents"
SHIPMATE = str(Path(sys.executable).parent / "shipmate")


def _deploy(root: Path, *args: str) -> dict[str, object]:
    done = subprocess.run([SHIPMATE, "deploy", "--json", *args], cwd=root, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))
    assert done.returncode == 0, (done.stdout, done.stderr)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_the_agents_example_deploys_migrates_the_old_format_and_keeps_the_users_agent(tmp_path: Path) -> None:
    root = tmp_path / "agents"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".shipmate"))
    agents = root / ".claude" / "agents"
    mine = (agents / "my-own.md").read_bytes()
    # What release 1.0 wrote, before shipmate kept a manifest: the same agent under its old key.
    (agents / "reviewer.md").write_text(
        "---\nname: reviewer\ndescription: Reviews a diff for bugs, missing tests and unclear names.\n"
        "allowed_tools: Read, Grep, Glob\nmodel: sonnet\n---\n"
        "You review code changes. Report bugs first, then missing tests, then naming.\n")
    result = _deploy(root)
    assert result["migrated"] == ["reviewer.md"] and result["deployed"] == ["deployer.md"]
    assert "tools: Read, Grep, Glob\n" in (agents / "reviewer.md").read_text()
    assert (agents / "my-own.md").read_bytes() == mine
    assert _deploy(root)["noop"] is True
