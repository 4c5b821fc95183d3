"""Run every benchmark and write BENCHMARKS.md (each figure beside a baseline measured in the same run).

Run: make bench   (= .venv/bin/python bench/run_all.py); takes about 15 minutes on 2 cores.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cli_bench import bench_cli  # noqa: E402
from deploy_bench import bench_wall_time, bench_zero_downtime  # noqa: E402
from strategies_bench import section as strategies_section  # noqa: E402
from traffic_bench import rows as traffic_rows  # noqa: E402


def main() -> None:
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = [bench_wall_time(), bench_zero_downtime(), *traffic_rows(), *bench_cli()]
    subprocess.run([sys.executable, str(HERE / "router_bench.py")], check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    strategies = strategies_section()
    router = (HERE / "ROUTER_RESULTS.md").read_text()
    text = f"""# Benchmarks

Latest run: {started} on {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}.
Produced by `make bench` (`.venv/bin/python bench/run_all.py`); each figure is compared with a
baseline measured in the same run, because these machines are shared and noisy.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Single benchmarks: `.venv/bin/python bench/deploy_bench.py`, `.venv/bin/python bench/strategies_bench.py`,
`.venv/bin/python bench/traffic_bench.py`, `.venv/bin/python bench/cli_bench.py`,
`.venv/bin/python bench/router_bench.py`.

{strategies}
{router}"""
    (HERE.parent / "BENCHMARKS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
