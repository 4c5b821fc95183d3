"""The files target on 1,000 agent files: a release where 10 changed vs writing all 1,000; no change vs `find`.

Each round, in one run, through `shipmate.ops.deploy` in-process (render 1,000 templates in the sandbox, hash,
compare with the manifest, record the deployment):
  all      a deploy into an empty folder: all 1,000 files written (the baseline "write everything")
  changed  the next deploy after 10 data files changed: 10 files rewritten, 990 skipped
  nochange the same release again: nothing written at all (not even the store)
  find     `find DEST -type f` of the same folder (the baseline of "look at every file once")
Ratios are medians over the rounds: changed / all (lower is better) and nochange / find.

Run: .venv/bin/python bench/files_bench.py [--files 1000] [--changed 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shipmate import ops  # noqa: E402

TEMPLATE = """---
name: {{ name }}
description: {{ description }}
tools: {{ tools | join(", ") }}
model: {{ model }}
---
{{ prompt | trim }}

{% for rule in rules %}- {{ rule }}
{% endfor %}"""


def _project(root: Path, files: int) -> Path:
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "agent.md.j2").write_text(TEMPLATE)
    (root / "agents").mkdir()
    for i in range(files):
        _agent(root, i, "v1")
    spec = root / "shipmate.yaml"
    spec.write_text('service: agents\nversion: "1"\ntarget: {kind: files, source: templates/agent.md.j2, '
                    "data: agents/, destination: .claude/agents/}\n")
    return spec


def _agent(root: Path, i: int, edition: str) -> None:
    (root / "agents" / f"agent-{i:04d}.json").write_text(
        f'{{"name": "agent-{i:04d}", "description": "Agent number {i}, {edition}.", "tools": ["Read", "Grep"], '
        f'"model": "sonnet", "prompt": "You are agent {i}. Do the one job you are for.", '
        f'"rules": ["be brief", "cite files", "never guess ({edition})"]}}')


def _timed(call: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()  # type: ignore[operator]
    return time.perf_counter() - started, result


def one_round(base: Path, files: int, changed: int, n: int) -> dict[str, float]:
    root = base / f"round-{n}"
    spec = str(_project(root, files))
    t_all, first = _timed(lambda: ops.deploy(spec))
    assert len(first["deployed"]) == files, first["deployed"][:3]
    for i in range(0, files, files // changed)[:changed]:
        _agent(root, i, f"v2-{n}")
    t_changed, second = _timed(lambda: ops.deploy(spec, version="2"))
    assert len(second["updated"]) == changed and len(second["skipped"]) == files - changed
    t_nochange, third = _timed(lambda: ops.deploy(spec, version="2"))
    assert third["noop"] and len(third["skipped"]) == files
    dest = root / ".claude" / "agents"
    t_find, found = _timed(lambda: subprocess.run(["find", str(dest), "-type", "f"], capture_output=True,
                                                  check=True, text=True))
    assert len(found.stdout.splitlines()) == files  # type: ignore[attr-defined]
    return {"all": t_all, "changed": t_changed, "nochange": t_nochange, "find": t_find}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="files-bench-"))
    os.environ.setdefault("XDG_STATE_HOME", str(base / "xdg"))
    try:
        rounds = [one_round(base, args.files, args.changed, n) for n in range(args.rounds)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    print(f"files target, {args.files} agent files, {args.changed} changed, {args.rounds} rounds "
          f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cpus)")
    for key, what in (("all", "deploy writing all files"), ("changed", f"deploy, {args.changed} changed"),
                      ("nochange", "deploy, nothing changed"), ("find", "find DEST -type f")):
        print(f"  {what:<28} median {med[key] * 1000:8.1f} ms   (min {min(r[key] for r in rounds) * 1000:.1f})")
    print(f"ratio changed/all      = {med['changed'] / med['all']:.3f}")
    print(f"ratio nochange/find    = {med['nochange'] / med['find']:.1f}")


if __name__ == "__main__":
    main()
