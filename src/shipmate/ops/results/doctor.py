"""What `doctor` returns: the findings worst first, what --fix did, where the bundle went; ready, the summary line
and the exit code are derived (analysis/diagnosis.py), so they can never disagree with the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.analysis.diagnosis import Finding, exit_code_of, summary
from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class DoctorReport(JsonResult):
    service: str | None
    environment: str | None
    findings: tuple[Finding, ...]
    checked: tuple[str, ...]                 # the check ids that ran, in order
    fixed: tuple[str, ...] = ()
    bundle: dict[str, Any] | None = field(default=None)

    @property
    def exit_code(self) -> int:
        return exit_code_of(self.findings)

    @property
    def summary(self) -> str:
        return summary(self.findings, self.fixed)

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "environment": self.environment, "ready": not any(
                    found.severity == "error" for found in self.findings),
                "summary": self.summary, "exit_code": self.exit_code,
                "findings": [found.as_dict() for found in self.findings], "checked": list(self.checked),
                "fixed": list(self.fixed), "bundle": self.bundle}
