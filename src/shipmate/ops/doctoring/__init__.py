"""doctor: the seed's troubleshooting tree as one command (checks in checks.py, judgement in analysis/diagnosis.py).

Read-only unless ``fix``: then only the safe fixes (fixes.py), each said. ``bundle`` writes a redacted archive.
"""

from __future__ import annotations

from typing import Any

from shipmate.analysis.diagnosis import Finding, ordered
from shipmate.errors import ShipmateError
from shipmate.ops.results.doctor import DoctorReport


def doctor(spec_file: str | None, *, environment: str | None = None, fix: bool = False,
           bundle: str | None = None) -> DoctorReport:
    from shipmate.ops.doctoring.checks import CHECKS
    from shipmate.ops.doctoring.context import DoctorContext

    ctx = DoctorContext.open(spec_file, environment)
    try:
        findings = _run(ctx, CHECKS)
    finally:
        ctx.close()
    fixed: list[str] = []
    if fix and any(found.fixable for found in findings):
        from shipmate.ops.doctoring.fixes import apply_safe_fixes

        fixed = apply_safe_fixes(ctx.ws, findings)
        ctx = DoctorContext.open(spec_file, environment)     # judge again: say what is true after the fixes
        try:
            findings = _run(ctx, CHECKS)
        finally:
            ctx.close()
    report = DoctorReport(ctx.service, ctx.environment, tuple(ordered(findings)), tuple(c.id for c in CHECKS),
                          tuple(fixed))
    if bundle is not None:
        from dataclasses import replace

        from shipmate.ops.doctoring.bundle import write_bundle

        written = write_bundle(ctx, bundle, report.to_json())
        report = replace(report, bundle=written)
    return report


def _run(ctx: Any, checks: Any) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        try:
            findings += check.run(ctx)
        except ShipmateError as exc:     # one check that cannot look never hides the others
            findings.append(Finding(f"{check.id.split('.')[0]}.unchecked", "warning",
                                    f"could not check {check.title}: {exc.message}", exc.hint or ""))
    return findings
