"""Run every benchmark and write BENCHMARKS.md (each figure beside a baseline measured in the same run).

Run: make bench   (= .venv/bin/python bench/run_all.py); takes about 30 minutes on 2 cores.
One or a few sections alone, replacing only theirs in BENCHMARKS.md:
    .venv/bin/python bench/run_all.py docker swarm
    (names: strategies, docker, swarm, router, mcp_probe, mcp_face, backups, gates, inbox)
The Docker and Swarm sections need an engine: DOCKER_HOST, or the private one `.ci/docker-engine up` starts.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCHMARKS = REPO / "BENCHMARKS.md"
sys.path.insert(0, str(HERE))


def strategies() -> str:
    from strategies_bench import section

    return section()


def router() -> str:
    subprocess.run([sys.executable, str(HERE / "router_bench.py")], check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    return (HERE / "ROUTER_RESULTS.md").read_text()


def docker() -> str:
    from docker_bench import section

    return _with_engine("Docker: blue-green vs docker-compose up -d", section)


def swarm() -> str:
    from swarm_bench import section

    return _with_engine("Swarm: failing releases are reported failed and rolled back", section)


def mcp_probe() -> str:
    from mcp_bench import section

    return section()


def mcp_face() -> str:
    from mcp_face_bench import section

    return section()


def backups() -> str:
    from backup_bench import section

    return section()


def gates() -> str:
    from gates_bench import section

    return section()


def inbox() -> str:
    from inbox_bench import section

    return section()


SECTIONS: dict[str, Callable[[], str]] = {"strategies": strategies, "docker": docker, "swarm": swarm,
                                          "router": router, "mcp_probe": mcp_probe, "mcp_face": mcp_face,
                                          "backups": backups, "gates": gates, "inbox": inbox}


def _with_engine(title: str, section: Callable[[], str]) -> str:
    """Point DOCKER_HOST at an engine (`.ci/docker-engine up` reuses one that answers); without one the
    section says why it was skipped instead of failing the whole run."""
    if not os.environ.get("DOCKER_HOST"):
        up = subprocess.run([str(REPO / ".ci" / "docker-engine"), "up"], capture_output=True, text=True,
                            timeout=120, check=False)
        found = re.search(r"export DOCKER_HOST=(\S+)", up.stdout)
        if up.returncode != 0 or found is None:
            why = (up.stderr.strip().splitlines() or [f"exit {up.returncode}"])[-1]
            return f"## {title}\n\nSkipped in the run of {_now()}: no Docker engine ({why}).\n"
        os.environ["DOCKER_HOST"] = found.group(1)
    return section()


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def splice(document: str, section: str) -> str:
    """``document`` with the section of the same `## ` title replaced by ``section`` (appended if it has none)."""
    title = section.split("\n", 1)[0].strip()
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(document):
        return pattern.sub(lambda _: section.rstrip("\n") + "\n\n", document, count=1).rstrip("\n") + "\n"
    return document.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"


def run_some(names: list[str]) -> None:
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    for name in names:
        section = SECTIONS[name]()
        text = splice(text, section)
        BENCHMARKS.write_text(text)     # after each one, so a later failure keeps what was measured
        print(section)


def main() -> None:
    from cli_bench import bench_cli
    from deploy_bench import bench_wall_time, bench_zero_downtime
    from traffic_bench import rows as traffic_rows

    started = _now()
    rows = [bench_wall_time(), bench_zero_downtime(), *traffic_rows(), *bench_cli()]
    router_text = router()
    sections = [strategies(), docker(), swarm(), router_text, mcp_probe(), mcp_face(), backups(), gates(), inbox()]
    text = f"""# Benchmarks

Latest run: {started} on {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}.
Produced by `make bench` (`.venv/bin/python bench/run_all.py`); each figure is compared with a
baseline measured in the same run, because these machines are shared and noisy.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Single benchmarks: `.venv/bin/python bench/deploy_bench.py`, `.venv/bin/python bench/strategies_bench.py`,
`.venv/bin/python bench/traffic_bench.py`, `.venv/bin/python bench/cli_bench.py`,
`.venv/bin/python bench/router_bench.py`, `.venv/bin/python bench/docker_bench.py`,
`.venv/bin/python bench/swarm_bench.py` (these two after `eval "$(.ci/docker-engine up)"`); one section alone,
replacing only its part of this file: `.venv/bin/python bench/run_all.py docker` (or strategies, swarm, router,
mcp_probe, mcp_face, backups, gates).

{chr(10).join(s.rstrip(chr(10)) + chr(10) for s in sections)}"""
    BENCHMARKS.write_text(text)
    print(text)


if __name__ == "__main__":
    if sys.argv[1:]:
        run_some(sys.argv[1:])
    else:
        main()
