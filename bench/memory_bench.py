"""The failure memory's two figures, each against a baseline measured in the same run.

1. Search: `ops.memory_search` (open the store, FTS5/BM25 over fixes and signatures, read the hits) over a memory
   of 100,000 signatures and 5,000 fixes; p95 of N queries (goal <= 20 ms). Baseline: the same words found with
   a plain `LIKE '%word%'` scan of the same signature table (what the memory would do without its index).
2. Matching on a failure: `shipmate deploy --json` (a real CLI process) failing on a missing secret in a
   project whose memory holds those 100,000 signatures, against the same failure with an empty memory (goal:
   adds <= 50 ms). Both record the failure and offer the starter fix; the runs alternate so both see the same load.

Run: .venv/bin/python bench/memory_bench.py [--signatures 100000] [--queries 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPMATE = str(Path(sys.executable).parent / "shipmate")

WORDS = (
    "health", "check", "connection", "refused", "timeout", "exited", "code", "port", "address", "use", "denied",
    "permission", "volume", "image", "missing", "secret", "declared", "start", "period", "deadline", "level",
    "application", "http", "path", "route", "migration", "database", "locked", "disk", "full", "memory", "killed",
    "oom", "certificate", "expired", "dns", "resolve", "upstream", "gateway", "worker", "queue", "redis",
    "postgres", "schema", "column", "table", "index", "lock", "lease", "token", "auth", "forbidden",
    "unauthorized", "config", "env", "variable", "file", "directory", "mount", "readonly", "socket", "pipe",
    "broken", "reset", "peer", "tls", "handshake", "json", "decode"
)


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def _project(work: Path, name: str) -> Path:
    root = work / name
    root.mkdir()
    spec = root / "shipmate.yaml"
    spec.write_text(f"""service: bench
version: "1"
port: 9
target: {{kind: process, command: ["{sys.executable}", "-c", "pass"]}}
secrets: [BENCH_MISSING]
""")
    return spec


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """Names an app's errors carry (modules, settings, hosts...): letters only, so masking keeps them."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(5, 10))) for _ in range(size)]


_ZIPF: list[float] = []


def _words(rng: random.Random, vocab: list[str], n: int) -> str:
    # 30 % common failure words, 70 % an app's own names by Zipf's law (s = 1: the k-th name has weight 1/k)
    if not _ZIPF:
        _ZIPF.extend(itertools.accumulate(1 / rank for rank in range(1, len(vocab) + 1)))
    return " ".join(rng.choice(WORDS) if rng.random() < 0.3 else rng.choices(vocab, cum_weights=_ZIPF)[0]
                    for _ in range(n))


def _fill(home: Path, count: int, fixes: int, rng: random.Random) -> list[str]:
    from shipmate.analysis.failure_signature import FailureFacts, signature_of
    from shipmate.store.store import Store

    vocab = _vocabulary(rng)
    rng.shuffle(vocab)
    rows, now = [], time.time()
    for i in range(count):
        text = _words(rng, vocab, rng.randint(6, 14)) + f" ins_{i:x}"
        sig = signature_of(FailureFacts(rng.choice(("wait_healthy", "start_instances", "level:3", "preflight")),
                                        rng.choice(("process", "docker")), "deployment_failed", text + f" {i}"))
        rows.append({"id": f"sig_{i:016x}", "signature_version": sig.version, "phase": sig.phase,
                     "target_kind": sig.target_kind, "error_code": sig.error_code, "exit_code": None,
                     "text": sig.text + f" w{i}", "merged_into": None, "first_seen": now, "last_seen": now})
    fix_rows = [{"id": f"fix_{i:012x}", "symptom": _words(rng, vocab, 8), "root_cause": _words(rng, vocab, 8),
                 "solution": _words(rng, vocab, 10) + f" n{i}", "prevention": _words(rng, vocab, 6),
                 "signature_id": rows[rng.randrange(count)]["id"]} for i in range(fixes)]
    with Store.open(home) as store:
        for start in range(0, count, 10000):
            store.memory.import_signatures(rows[start:start + 10000])
        store.memory.ensure_fixes(fix_rows, source="import")
    return [str(row["text"]) for row in rows]


def _like_baseline(db: Path, queries: list[str]) -> list[float]:
    import sqlite3

    conn = sqlite3.connect(db)
    out = []
    for query in queries:
        words = query.split()
        started = time.perf_counter()
        # Ranked like the index ranks: how many of the words a row names, best 10 (every row must be read).
        score = " + ".join("(text LIKE ?)" for _ in words)
        conn.execute(f"SELECT id FROM memory_signatures WHERE ({score}) > 0 ORDER BY {score} DESC LIMIT 10",
                     [f"%{w}%" for w in words] * 2).fetchall()
        out.append((time.perf_counter() - started) * 1000)
    conn.close()
    return out


def _failing_in_process(spec: Path) -> float:
    from shipmate import ops
    from shipmate.errors import PrerequisiteMissingError

    started = time.perf_counter()
    try:
        ops.deploy(str(spec))
    except PrerequisiteMissingError as exc:
        assert exc.details["known_fixes"][0]["id"] == "fix_starter_missing_secret"
    return time.perf_counter() - started


def _failing_deploy(spec: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([SHIPMATE, "deploy", "-f", str(spec), "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    elapsed = time.perf_counter() - started
    assert done.returncode == 7 and "fix_starter_missing_secret" in done.stdout, done.stdout + done.stderr
    return elapsed


def bench(count: int, queries: int, runs: int) -> str:
    from shipmate import ops
    from shipmate.store.store import Store

    rng = random.Random(18)
    work = Path(tempfile.mkdtemp(prefix="shipmate-memory-bench-"))
    full, empty = _project(work, "full"), _project(work, "empty")
    started = time.perf_counter()
    stored = _fill(full.parent / ".shipmate", count, count // 20, rng)
    fill_s = time.perf_counter() - started
    Store.open(empty.parent / ".shipmate").close()
    # What a person or agent searches for: 3-5 words of an error seen before (its placeholders dropped), or
    # 2-3 of the common failure words alone (every tenth query: the slow case, many rows name them).
    texts = [" ".join(rng.sample([w for w in rng.choice(stored).split() if not w.startswith("<")
                                  and not w.startswith("w")], 3)) if i % 10 else
             " ".join(rng.sample(WORDS, rng.randint(2, 3))) for i in range(queries)]
    ops.memory_search(str(full), texts[0])   # warm the imports once
    search_ms = []
    for text in texts:
        t0 = time.perf_counter()
        found = ops.memory_search(str(full), text)
        search_ms.append((time.perf_counter() - t0) * 1000)
        assert found["signatures"], text
    like_ms = _like_baseline(full.parent / ".shipmate" / "state.db", texts)
    query_ms = []
    with Store.open_readonly(full.parent / ".shipmate") as store:   # type: ignore[union-attr]
        from shipmate.analysis.failure_signature import search_terms

        for text in texts:
            t0 = time.perf_counter()
            store.memory.search(search_terms(text), 10)
            query_ms.append((time.perf_counter() - t0) * 1000)
    in_full, in_empty = [], []
    for _ in range(runs * 3):   # in-process, imports warm: the memory's own cost without process start-up
        in_full.append(_failing_in_process(full))
        in_empty.append(_failing_in_process(empty))
    env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(work / "run"), "SHIPMATE_ACTOR": "bench:memory"}
    env.pop("SHIPMATE_HOME", None)
    env.pop("BENCH_MISSING", None)
    with_memory, without = [], []
    for _ in range(runs):
        with_memory.append(_failing_deploy(full, env))
        without.append(_failing_deploy(empty, env))
    wm, wo = statistics.median(with_memory), statistics.median(without)
    p95, like95 = _p95(search_ms), _p95(like_ms)
    return f"""Command: `.venv/bin/python bench/memory_bench.py --signatures {count} --queries {queries} --runs {runs}`
({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Machine: {os.cpu_count()} CPUs, Python \
{platform.python_version()}, {platform.machine()}. Memory: {count} signatures and {count // 20} fixes \
(filled in {fill_s:.1f} s; texts of 6-14 words, 30 % from 90 common failure words, 70 % from 20,000 names by
Zipf's law, s = 1). Queries: 3 words of a stored failure's text, every tenth 2-3 common failure words alone.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
| `memory search` (ops, store opened per call), p95 of {queries} (p50) \
| {p95:.1f} ms ({statistics.median(search_ms):.1f}) \
| {like95:.1f} ms ({statistics.median(like_ms):.1f}) (a ranked `LIKE '%word%'` scan of the same table) \
| {p95 / like95:.2f}x | p95 <= 20 ms |
| the search query alone (store open, both FTS5 statements), p95 (p50) | {_p95(query_ms):.1f} ms \
({statistics.median(query_ms):.1f}) | - | - | - |
| failing `ops.deploy` in-process (imports warm), median of {runs * 3} | \
{statistics.median(in_full) * 1000:.0f} ms | {statistics.median(in_empty) * 1000:.0f} ms (empty memory) | \
{statistics.median(in_full) / statistics.median(in_empty):.2f}x \
(adds {(statistics.median(in_full) - statistics.median(in_empty)) * 1000:+.0f} ms) | adds <= 50 ms |
| failing `deploy --json` (missing secret, recorded + matched), median of {runs} | {wm * 1000:.0f} ms \
| {wo * 1000:.0f} ms (the same failure, empty memory) | {wm / wo:.2f}x (adds {(wm - wo) * 1000:+.0f} ms) \
| adds <= 50 ms |
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(bench(args.signatures, args.queries, args.runs))


if __name__ == "__main__":
    main()
