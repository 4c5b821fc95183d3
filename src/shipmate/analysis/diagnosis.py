"""`shipmate doctor`'s judgement: findings, how bad the worst is, the exit code and the one-line summary. Pure.

A finding has a stable id (``area.what``: agents and scripts match on it), a severity, what was seen, and a
copy-paste fix. Severity: ``error`` (it is broken or will break the next deploy) and ``warning`` (worth a
look; nothing fails yet). The exit code is the one the error tree gives the worst error's kind (a missing
prerequisite 7, an unhealthy service 3, a stuck lock 4, a broken store 5); warnings alone exit 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SEVERITY_RANK = {"warning": 1, "error": 2}
AREAS = ("memory", "prereq", "instances", "endpoints", "levels", "router", "locks", "orphans", "events")


@dataclass(frozen=True)
class Finding:
    id: str                 # "prereq.secret_missing"
    severity: str           # error | warning
    message: str            # what is wrong, one line, never a secret value
    fix: str                # a command to copy and paste (or what to do)
    exit_code: int = 0      # the error tree's code for this kind of problem (errors only)
    fixable: bool = False   # `doctor --fix` may apply it: safe, and only this home's own leftovers
    detail: dict[str, object] | None = None

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "severity": self.severity, "message": self.message,
                                  "fix": self.fix, "fixable": self.fixable}
        if self.detail:
            out["detail"] = self.detail
        return out


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Worst first; within a severity, the troubleshooting tree's order (memory first, events last)."""
    def key(found: Finding) -> tuple[int, int]:
        area = AREAS.index(found.area) if found.area in AREAS else len(AREAS)
        return (-SEVERITY_RANK.get(found.severity, 0), area)
    return sorted(findings, key=key)


def exit_code_of(findings: Sequence[Finding]) -> int:
    errors = [found for found in ordered(findings) if found.severity == "error"]
    return errors[0].exit_code or 5 if errors else 0


def summary(findings: Sequence[Finding], fixed: Sequence[str] = ()) -> str:
    """brew's "ready" when all is well; else how many problems, and the worst one."""
    done = f"; fixed {len(fixed)}" if fixed else ""
    if not findings:
        return f"ready{done}"
    errors = sum(1 for found in findings if found.severity == "error")
    warnings = len(findings) - errors
    counted = ", ".join(part for part in (f"{errors} error{'s' * (errors != 1)}" if errors else "",
                                          f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "") if part)
    worst = ordered(findings)[0]
    return f"not ready: {counted}{done}; first: {worst.id}" if errors else f"ready with {counted}{done}"
