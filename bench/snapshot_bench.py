"""What a release's snapshot costs, and what it buys a rollback.

1. A project of 10,000 files where 10 changed: deploy wall time with snapshots vs the same deploy with
   `target.snapshot: false` (two projects, rounds interleaved so both see the same load); goal <= 1.2x.
2. Disk growth per release: bytes of new objects vs the bytes of the changed files (goal: the changed files
   only), and the whole snapshots folder's growth (du: objects + the release's folders and links).
3. Rollback to a release that passed within the last 5 deployments vs a plain deploy of that same release
   (its files written back to disk, `deploy`); goal <= 1.0x.

Run: .venv/bin/python bench/snapshot_bench.py [--rounds 5]   (prints markdown)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_project import BenchProject

FILES, DIRS, CHANGED = 10_000, 100, 10


def _fill(root: Path) -> None:
    for i in range(FILES):
        folder = root / "pkg" / f"d{i % DIRS:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.py").write_text(f"# module {i}\nVALUE = {i}\n" + "x = 1\n" * 30)


def _change(root: Path, release: int) -> int:
    """Edit CHANGED files for ``release``; returns their bytes."""
    size = 0
    for k in range(CHANGED):
        path = root / "pkg" / f"d{k:03d}" / f"f{k:05d}.py"
        text = f"# module {k}, release {release}\nVALUE = {release}\n" + "x = 1\n" * 30
        path.write_text(text)
        size += len(text.encode())
    return size


def _du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=False).stdout
    return int(out.split()[0]) if out else 0


def _objects(home: Path) -> tuple[int, int]:
    root = home / "snapshots" / "objects"
    files = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def _timed(proj: BenchProject, *args: str) -> float:
    t0 = time.perf_counter()
    proj.run(*args)
    return time.perf_counter() - t0


def bench_overhead(rounds: int) -> list[str]:
    snap, plain = BenchProject(monitor="0s"), BenchProject(monitor="0s")
    ours, base, grown_objects, grown_du, changed = [], [], [], [], 0
    try:
        for proj, extra in ((snap, ""), (plain, "snapshot: false")):
            _fill(proj.root)
            proj.spec("0")
            if extra:
                _no_snapshot(proj)
            proj.run("deploy")
        home = snap.root / ".shipmate"
        for i in range(1, rounds + 1):
            changed = _change(snap.root, i)
            _change(plain.root, i)
            snap.spec(str(i))
            plain.spec(str(i))
            _no_snapshot(plain)
            _, obj_before = _objects(home)
            du_before = _du(home / "snapshots")
            if i % 2:      # alternate which goes first, so neither always meets a warmer page cache
                ours.append(_timed(snap, "deploy"))
                base.append(_timed(plain, "deploy"))
            else:
                base.append(_timed(plain, "deploy"))
                ours.append(_timed(snap, "deploy"))
            grown_objects.append(_objects(home)[1] - obj_before)
            grown_du.append(_du(home / "snapshots") - du_before)
    finally:
        snap.close()
        plain.close()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    return [
        f"| deploy wall time, {FILES} files with {CHANGED} changed, blue-green, monitor off (median of {rounds}) | "
        f"{m_ours:.3f} s | {m_base:.3f} s (same deploy, target.snapshot: false) | {m_ours / m_base:.2f}x | <= 1.2x |",
        f"| object store growth per release, {CHANGED} of {FILES} files changed (median of {rounds}) | "
        f"{int(statistics.median(grown_objects))} B | {changed} B (the changed files' bytes) | "
        f"{statistics.median(grown_objects) / changed:.2f}x | changed files only (1.00x) |",
        f"| snapshots folder growth per release, du -sb: objects + the release's {DIRS + 2} folders, {FILES} links "
        f"(median of {rounds}) | {int(statistics.median(grown_du))} B | {changed} B (the changed files' bytes) | "
        f"{statistics.median(grown_du) / changed:.0f}x | - (folder entries; file data: the row above) |",
    ]


def _no_snapshot(proj: BenchProject) -> None:
    spec = proj.root / "shipmate.yaml"
    spec.write_text(spec.read_text().replace("stop_grace: 5s}", "stop_grace: 5s, snapshot: false}"))


def bench_rollback(rounds: int) -> str:
    proj = BenchProject(monitor="0s")
    ours, base = [], []
    try:
        _fill(proj.root)
        for v in (1, 2, 3):
            _change(proj.root, v)
            proj.spec(str(v))
            proj.run("deploy")
        for _ in range(rounds):
            ours.append(_timed(proj, "rollback", "--to", "2"))      # passed 2 deployments ago
            _change(proj.root, 3)
            proj.spec("3")
            proj.run("deploy")                                      # back to 3 (same release: files + spec)
            _change(proj.root, 2)
            proj.spec("2")
            base.append(_timed(proj, "deploy"))                     # a plain deploy of release 2
            _change(proj.root, 3)
            proj.spec("3")
            proj.run("deploy")
    finally:
        proj.close()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    return (f"| rollback --to a release that passed 2 deployments ago, {FILES}-file project, monitor off "
            f"(median of {rounds}) | {m_ours:.3f} s | {m_base:.3f} s (plain deploy of the same release) | "
            f"{m_ours / m_base:.2f}x | <= 1.0x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print("| what | shipmate | baseline (same run) | ratio | goal |")
    print("| --- | --- | --- | --- | --- |")
    for line in bench_overhead(rounds):
        print(line, flush=True)
    print(bench_rollback(rounds), flush=True)


if __name__ == "__main__":
    main()
