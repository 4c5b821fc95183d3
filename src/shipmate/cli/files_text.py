"""Human-readable output of a `files` deploy, rollback or down: counts, then the files that need a look."""

from __future__ import annotations

import sys
from typing import Any

COUNTED = ("deployed", "updated", "migrated", "skipped", "preserved", "conflicts", "removed")


def is_files(result: dict[str, Any]) -> bool:
    return result.get("target") == "files"


def files_result(result: dict[str, Any]) -> None:
    out = sys.stdout.write
    if result.get("dry_run"):
        for _name, diff in sorted((result.get("diffs") or {}).items()):
            out(diff if diff.endswith("\n") or not diff else diff + "\n")
        counts = ", ".join(f"{len(result[k])} {k}" for k in COUNTED if result[k])
        out(f"dry run of {result['kind']} {result['service']} -> {result['destination']}: {counts or 'no files'}; "
            "nothing was written\n")
        return
    counts = ", ".join(f"{len(result[k])} {k}" for k in COUNTED if result[k]) or "no files"
    out(f"{result['message']} — {counts} in {result['duration_ms']:.0f} ms\n")
    for name in result["conflicts"]:
        out(f"  conflict: {name} was edited here; the new version is beside it as {name}.new\n")
    for name in sorted(set(result["preserved"]) - set(result["conflicts"])):
        out(f"  preserved: {name} (edited here or not ours: left alone)\n")
    for name in result["migrated"]:
        out(f"  migrated: {name} (an older format of ours)\n")
