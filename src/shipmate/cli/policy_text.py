"""Lines about policy gates and promotion evidence, shared by deploy, promote, history and status output."""

from __future__ import annotations

from typing import Any


def gate_lines(report: dict[str, Any] | None) -> list[str]:
    """A dry run's policy section: what each gate would say."""
    if not report:
        return []
    lines = []
    for refusal in report["refusals"]:
        state = "overridden" if "overridden" in refusal else "would refuse"
        lines.append(f"policy {refusal['gate']}: {state}: {refusal['reason']}")
    return lines or ["policy: freeze, require_passed_in and allow_dirty pass"]


def approval_line(report: dict[str, Any] | None) -> str:
    """A dry run's approval section: what the gate would do with this release's score, and why."""
    if not report or not report.get("why"):
        return ""
    label = {"proceed": "no approval needed", "notice": "proceeds after a notice period",
             "approval": "an approval will be needed", "refuse": "would be refused"}.get(report["outcome"], "")
    return f"approval: {label}: {report['why']}"


def origin_text(origin: dict[str, Any] | None) -> str:
    """'promoted from staging (dep_.., pass, 12 samples)', or '' for a plain deployment."""
    source = (origin or {}).get("promoted_from")
    if not source:
        return ""
    return (f"promoted from {source['environment']} ({source['deployment_id']}, verdict {source['verdict']}, "
            f"{source.get('samples')} samples)")
