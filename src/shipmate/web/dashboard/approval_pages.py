"""Approvals on the dashboard: every registered home's approvals with their diff, and a person's decision.

Deciding needs a session with a `deploy` token of a person (web/auth.py: an agent's token may request, never
decide); `ops.approve`/`ops.reject` record that person (token:<name>, face http) as the decider."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from shipmate import ops
from shipmate.errors import InvalidInputError, ShipmateError
from shipmate.web.auth import require, require_decider, require_form
from shipmate.web.dashboard.rendering import page, render
from shipmate.web.errors import status_of


def _diff_rows(diff: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The approval's diff as rows: version and digest, what identifies the artifact, the config keys changed."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for key in ("version", "digest"):
        change = diff.get(key) or {}
        if change.get("from") != change.get("to"):
            rows.append((key, {"old": change.get("from") or "—", "new": change.get("to") or "—"}))
    for key, change in sorted((diff.get("target") or {}).items()):
        rows.append((key, {"old": change.get("from"), "new": change.get("to")}))
    rows += [(key, {"old": "(value not shown)", "new": "changed"}) for key in diff.get("config_keys_changed") or []
             if key not in (diff.get("target") or {})]
    return rows


@page
async def approvals_page(request: Request) -> Response:
    caller = require(request, "read")
    show_all = request.query_params.get("all") == "1"

    def read() -> list[dict[str, Any]]:
        specs = {ref.spec: ref.home_id for ref in ops.registered_services().services}
        found: list[dict[str, Any]] = []
        for spec, home_id in specs.items():
            for approval in ops.list_approvals(spec, show_all=show_all, identity=caller.identity()).approvals:
                found.append({"approval": approval, "home": home_id, "diff": _diff_rows(approval.diff)})
        found.sort(key=lambda item: float(item["approval"].requested_at), reverse=True)
        return found

    approvals = await run_in_threadpool(read)
    holder = caller.holder
    cannot = ("Your token is an agent's: agents request approvals, people decide them." if holder.agent else
              f"Your token has scope {holder.scope}: deciding needs a person's deploy token."
              if not holder.allows("deploy") else "")
    return render(request, "approvals.html", caller, approvals=approvals, show_all=show_all,
                  can_decide=not cannot, cannot_decide=cannot, decided=request.query_params.get("decided", ""))


async def decide(request: Request) -> Response:
    """POST /approvals/{id}/decide (form: decision approve|reject, comment, service, home, csrf_token).
    A refusal (scope, agent, CSRF, already decided) is a page with the API's status; nothing changes."""
    try:
        return await _decide(request)
    except ShipmateError as exc:
        return render(request, "error.html", None, http_status=status_of(exc), status=status_of(exc),
                      title="Not decided", message=exc.message, hint=exc.hint)


async def _decide(request: Request) -> Response:
    caller, form = await require_form(request, "deploy")
    require_decider(caller)
    approval_id = request.path_params["approval_id"]
    fields = {key: str(form.get(key) or "").strip()[:2000] for key in ("decision", "comment", "service", "home")}
    if fields["decision"] not in ("approve", "reject"):
        raise InvalidInputError("decision must be approve or reject", hint="press one of the two buttons")

    def act() -> str:
        spec = ops.locate_service(fields["service"], fields["home"] or None).spec
        if fields["decision"] == "approve":
            result = ops.approve(spec, approval_id, identity=caller.identity(), comment=fields["comment"] or None)
        else:
            result = ops.reject(spec, approval_id, reason=fields["comment"], identity=caller.identity())
        return f"{result.approval.id} {result.approval.state} by {result.approval.decided_by}"

    said = await run_in_threadpool(act)
    return RedirectResponse("/approvals?" + urlencode({"decided": said}), status_code=303)
