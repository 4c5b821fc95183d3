"""A stack whose members are `files` targets: a second deploy that changes nothing is a no-op for the stack too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 120


def _deploy(root: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "shipmate", "deploy", "-f", "shipmate.stack.yaml", "--json"],
                          cwd=root, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_stack_of_files_members_that_changed_nothing_is_a_noop(tmp_path: Path) -> None:
    for member in ("a", "b"):
        (tmp_path / member / "src").mkdir(parents=True)
        (tmp_path / member / "src" / f"{member}.txt").write_text(f"hello {member}\n")
        (tmp_path / member / "shipmate.yaml").write_text(
            f'service: {member}\nversion: "1.0.0"\ntarget: {{kind: files, source: src/, destination: out/}}\n')
    (tmp_path / "shipmate.stack.yaml").write_text(
        "stack: docs\nservices:\n  a: {spec: a/shipmate.yaml}\n  b: {spec: b/shipmate.yaml, depends_on: [a]}\n")

    first = _deploy(tmp_path)
    assert [m["state"] for m in first["members"]] == ["done", "done"]  # type: ignore[index, attr-defined]
    assert (tmp_path / "b" / "out" / "b.txt").read_text() == "hello b\n"

    again = _deploy(tmp_path)
    assert again.get("noop") is True
    assert [m["state"] for m in again["members"]] == ["unchanged", "unchanged"]  # type: ignore[index, attr-defined]
