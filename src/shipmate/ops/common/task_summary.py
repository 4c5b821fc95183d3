"""The files a finished task leaves beside itself: <name>.result.json (for programs) and <name>.SUMMARY.md
(for people: status, verification results, deployment id, duration), or <name>.error.json when rejected."""

from __future__ import annotations

import json
import time
from typing import Any

from shipmate.secrets.redact import redact, redact_tree


def result_files(result: dict[str, Any]) -> dict[str, str]:
    """Suffix -> text; the first one is the reservation (see InboxFolder.finish)."""
    return {".result.json": _json(result), ".SUMMARY.md": summary_markdown(result)}


def rejection_files(file_name: str, problems: list[dict[str, Any]]) -> dict[str, str]:
    body = {"file": file_name, "status": "rejected", "rejected_at": _now(), "problems": problems,
            "hint": "fix every problem listed, then drop the task again (`shipmate schema inbox` has the schema)"}
    return {".error.json": _json(body)}


def summary_markdown(result: dict[str, Any]) -> str:
    lines = [f"# {result.get('trace_id') or result.get('file')}", "",
             f"**Status**: {str(result.get('status', '')).upper()}"]
    for label, key in (("Category", "category"), ("Environment", "environment"), ("Version", "version"),
                       ("Requested by", "requested_by"), ("Deployment", "deployment_id"),
                       ("Rollback deployment", "rollback_deployment_id"), ("Approval", "approval_id"),
                       ("Duplicate of", "duplicate_of")):
        if result.get(key):
            lines.append(f"**{label}**: {result[key]}")
    if result.get("duration_s") is not None:
        lines.append(f"**Duration**: {result['duration_s']:.1f} s")
    lines.append(f"**Finished**: {result.get('finished_at', _now())}")
    checks = result.get("verification") or []
    lines += ["", "## Verification", ""]
    if not checks:
        lines.append("No verification requested.")
    for check in checks:
        mark = "passed" if check.get("passed") else "FAILED"
        lines.append(f"- {check.get('check')}: {mark} — {check.get('detail', '')}")
    error = result.get("error")
    if isinstance(error, dict):
        lines += ["", "## Error", "", f"{error.get('message', '')}"]
        if error.get("hint"):
            lines.append(f"Hint: {error['hint']}")
    if result.get("ignored_fields"):
        lines += ["", "Ignored (a task cannot approve itself): " + ", ".join(result["ignored_fields"])]
    return redact("\n".join(lines) + "\n")


def _json(data: dict[str, Any]) -> str:
    return json.dumps(redact_tree(data), indent=2, sort_keys=True) + "\n"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
