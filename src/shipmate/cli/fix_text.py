"""Known fixes as the lines a failure shows before anything else (shared by errors and `memory` commands)."""

from __future__ import annotations

from typing import Any


def fix_lines(fixes: list[dict[str, Any]]) -> list[str]:
    lines = []
    for i, fix in enumerate(fixes, 1):
        lines.append(f"known fix {i} ({fix['record']}; {fix['id']}): {fix['solution']}")
        if fix.get("root_cause"):
            lines.append(f"    cause: {fix['root_cause']}")
    return lines
