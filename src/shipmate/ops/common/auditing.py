"""Record what a face was asked to do, and what it refused, in the audit trail (the store's events).

The engine records deployments itself; this is for the calls around them: every MCP tool call and every
refusal, with the caller (actor) and the face, arguments redacted, so `shipmate events` shows who asked.
"""

from __future__ import annotations

from typing import Any

from shipmate.errors import ShipmateError
from shipmate.ops.common.workspace import Workspace

SECRET_WORDS = ("token", "secret", "password", "value", "key", "code")   # code: one-time approval codes


def redact_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as they may be stored: known secret values become ***, secret-looking keys are dropped."""
    from shipmate.secrets.redact import redact_tree

    kept = {name: ("***" if any(word in name.lower() for word in SECRET_WORDS) else value)
            for name, value in arguments.items()}
    redacted: dict[str, Any] = redact_tree(kept)
    return redacted


def record_call(spec_file: str | None, *, face: str, actor: str, action: str, arguments: dict[str, Any],
                outcome: str, environment: str | None = None, error: dict[str, Any] | None = None) -> None:
    """One event: ``{face}.call`` (outcome ok, error or cancelled) or ``{face}.refused`` (outcome refused)."""
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    try:
        service, declared = read_service_names(ws.spec_path)
    except ShipmateError:
        service, declared = "unknown", []
    env = environment or (declared[0] if declared else "default")
    data: dict[str, Any] = {"face": face, "action": action, "arguments": redact_arguments(arguments)}
    if error is not None:
        data["error"] = {key: error[key] for key in ("code", "exit_code") if key in error}
    event_type = f"{face}.refused" if outcome == "refused" else f"{face}.call"
    store = ws.open_store()
    try:
        store.append_event(event_type=event_type, service=service, environment=env, version=None,
                           status=outcome, errors=[str(error.get("message", ""))] if error else [],
                           notes=action, deployed_by=actor, data=data)
    finally:
        store.close()
