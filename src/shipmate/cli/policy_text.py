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
    return lines or ["policy: every gate passes"]


def origin_text(origin: dict[str, Any] | None) -> str:
    """'promoted from staging (dep_.., pass, 12 samples)', or '' for a plain deployment."""
    source = (origin or {}).get("promoted_from")
    if not source:
        return ""
    return (f"promoted from {source['environment']} ({source['deployment_id']}, verdict {source['verdict']}, "
            f"{source.get('samples')} samples)")
