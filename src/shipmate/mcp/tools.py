"""Each tool is one ops call with the CLI's arguments; no logic of its own.

The spec file is the server's (`shipmate mcp -f FILE`), never the caller's: an agent operates the services
this server was started for. Results and errors are the CLI's `--json` objects (results.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import anyio
import anyio.lowlevel
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult

from shipmate import ops
from shipmate.mcp.callers import actor_of
from shipmate.mcp.catalog import BY_NAME
from shipmate.mcp.results import as_shipmate_error, error_of, error_result, ok_result
from shipmate.mcp.running import ProgressSink, run_ops
from shipmate.ops import Identity, mcp_identity

Action = Callable[[ProgressSink], Mapping[str, Any]]
Audit = Callable[[str, Context, dict[str, Any], str, dict[str, Any] | None], Awaitable[None]]


class ShipmateTools:
    """The tool functions of one server; ``audit`` records every call's outcome."""

    def __init__(self, spec_file: str | None, audit: Audit) -> None:
        self.spec_file = spec_file
        self.audit = audit

    def functions(self) -> dict[str, Callable[..., Awaitable[CallToolResult]]]:
        return {"status": self.status, "history": self.history, "events": self.events, "check": self.check,
                "logs": self.logs, "lock_status": self.lock_status, "secrets_list": self.secrets_list,
                "secrets_set": self.secrets_set, "secrets_rotate": self.secrets_rotate, "doctor": self.doctor,
                "probe": self.probe,
                "deploy": self.deploy, "rollback": self.rollback, "down": self.down,
                "approvals": self.approvals, "approve": self.approve, "reject": self.reject,
                "withdraw": self.withdraw,
                "promote": self.promote, "explain": self.explain, "backups": self.backups,
                "backup_create": self.backup_create, "inbox_status": self.inbox_status,
                "inbox_submit": self.inbox_submit, "inbox_process": self.inbox_process,
                "memory_search": self.memory_search, "memory_add": self.memory_add, "version": self.version,
                "uptime": self.uptime, "report": self.report}

    async def _invoke(self, name: str, ctx: Context, arguments: dict[str, Any], action: Action) -> CallToolResult:
        info = BY_NAME[name]

        async def report(progress: float, message: str) -> None:
            await ctx.report_progress(progress, None, message)

        result, error, cancelled = await run_ops(action, report if info.long_running else None)
        outcome = ok_result(info.command, result or {}) if error is None \
            else error_result(info.command, as_shipmate_error(error))
        status = "cancelled" if cancelled else ("error" if outcome.is_error else "ok")
        with anyio.CancelScope(shield=True):
            await self.audit(name, ctx, arguments, status, error_of(outcome))
        if cancelled:
            await anyio.lowlevel.checkpoint()   # the request was cancelled: no response is sent
        return outcome

    async def status(self, ctx: Context, env: str | None = None) -> CallToolResult:
        return await self._invoke("status", ctx, {"env": env}, lambda p: ops.status(self.spec_file, environment=env))

    async def history(self, ctx: Context, env: str | None = None, limit: int = 20) -> CallToolResult:
        limit = max(1, min(limit, 1000))
        return await self._invoke("history", ctx, {"env": env, "limit": limit},
                                  lambda p: ops.history(self.spec_file, environment=env, limit=limit))

    async def events(self, ctx: Context, env: str | None = None, limit: int = 50,
                     deployment: str | None = None) -> CallToolResult:
        limit = max(1, min(limit, 10000))
        return await self._invoke("events", ctx, {"env": env, "limit": limit, "deployment": deployment},
                                  lambda p: ops.events(self.spec_file, environment=env, limit=limit,
                                                       deployment_id=deployment))

    async def check(self, ctx: Context, env: str | None = None, level: int | None = None) -> CallToolResult:
        return await self._invoke("check", ctx, {"env": env, "level": level},
                                  lambda p: ops.check(self.spec_file, environment=env, level=level))

    async def logs(self, ctx: Context, env: str | None = None, lines: int = 100,
                   deployment: str | None = None) -> CallToolResult:
        lines = max(1, min(lines, 100000))
        return await self._invoke("logs", ctx, {"env": env, "lines": lines, "deployment": deployment},
                                  lambda p: ops.logs(self.spec_file, environment=env, lines=lines,
                                                     deployment_id=deployment))

    async def lock_status(self, ctx: Context) -> CallToolResult:
        return await self._invoke("lock_status", ctx, {}, lambda p: ops.lock_status(self.spec_file))

    async def secrets_list(self, ctx: Context) -> CallToolResult:
        return await self._invoke("secrets_list", ctx, {}, lambda p: ops.secrets_list(self.spec_file))

    async def secrets_set(self, ctx: Context, name: str, value: str, env: str | None = None,
                          dry_run: bool = False) -> CallToolResult:
        """The value goes to the vault and the secret filter, never into the audit or the result."""
        ops.remember(value)
        return await self._invoke("secrets_set", ctx, {"name": name, "env": env, "value": "***", "dry_run": dry_run},
                                  lambda p: ops.secrets_set(self.spec_file, name, value, env, dry_run=dry_run))

    async def secrets_rotate(self, ctx: Context, name: str, value: str, env: str | None = None,
                             dry_run: bool = False) -> CallToolResult:
        ops.remember(value)
        return await self._invoke("secrets_rotate", ctx, {"name": name, "env": env, "value": "***",
                                                          "dry_run": dry_run},
                                  lambda p: ops.secrets_rotate(self.spec_file, name, value, env, dry_run=dry_run))

    async def doctor(self, ctx: Context, env: str | None = None) -> CallToolResult:
        """Read-only: the findings and their fixes; applying them (`--fix`) stays on the host."""
        return await self._invoke("doctor", ctx, {"env": env},
                                  lambda p: ops.doctor(self.spec_file, environment=env).to_json())

    async def probe(self, ctx: Context, url: str, calls: int = 20, timeout_s: float = 10.0) -> CallToolResult:
        """Only URLs: a `stdio:` target would let a client run any command on this machine."""
        from shipmate.errors import InvalidInputError
        from shipmate.ops import probe_mcp

        calls, timeout_s = max(1, min(calls, 1000)), max(0.1, min(timeout_s, 60.0))

        def action(p: ProgressSink) -> Mapping[str, Any]:
            if not url.startswith(("http://", "https://")):
                raise InvalidInputError(f"probe: {url[:80]!r} is not an http(s) URL",
                                        hint="over MCP only URLs are probed; use `shipmate probe mcp stdio:...` "
                                             "on the host for a command")
            return probe_mcp(url, calls=calls, timeout_s=timeout_s)

        return await self._invoke("probe", ctx, {"url": url, "calls": calls, "timeout_s": timeout_s}, action)

    async def deploy(self, ctx: Context, env: str | None = None, version: str | None = None,
                     dry_run: bool = False, force: bool = False) -> CallToolResult:
        return await self._invoke("deploy", ctx, {"env": env, "version": version, "dry_run": dry_run, "force": force},
                                  lambda p: ops.deploy(self.spec_file, environment=env, version=version,
                                                       dry_run=dry_run, force=force, progress=p,
                                                       identity=_identity(ctx), wait_approval=False))

    async def rollback(self, ctx: Context, env: str | None = None, to_version: str | None = None,
                       dry_run: bool = False, force: bool = False, monitor: bool = True) -> CallToolResult:
        return await self._invoke("rollback", ctx, {"env": env, "to_version": to_version, "dry_run": dry_run,
                                                    "force": force, "monitor": monitor},
                                  lambda p: ops.rollback(self.spec_file, environment=env, to_version=to_version,
                                                         dry_run=dry_run, progress=p, identity=_identity(ctx),
                                                         wait_approval=False, force=force, monitor=monitor))

    async def down(self, ctx: Context, env: str | None = None, dry_run: bool = False) -> CallToolResult:
        return await self._invoke("down", ctx, {"env": env, "dry_run": dry_run},
                                  lambda p: ops.down(self.spec_file, environment=env, dry_run=dry_run,
                                                     identity=_identity(ctx), wait_approval=False))

    async def promote(self, ctx: Context, from_env: str, to_env: str, version: str | None = None,
                      dry_run: bool = False) -> CallToolResult:
        return await self._invoke("promote", ctx, {"from_env": from_env, "to_env": to_env, "version": version,
                                                   "dry_run": dry_run},
                                  lambda p: ops.promote(self.spec_file, from_env=from_env, to_env=to_env,
                                                        version=version, dry_run=dry_run, progress=p,
                                                        identity=_identity(ctx), wait_approval=False))

    async def explain(self, ctx: Context, deployment: str) -> CallToolResult:
        return await self._invoke("explain", ctx, {"deployment": deployment},
                                  lambda p: ops.explain(self.spec_file, deployment))

    async def backups(self, ctx: Context, env: str | None = None) -> CallToolResult:
        from shipmate.ops import backup_list

        return await self._invoke("backups", ctx, {"env": env}, lambda p: backup_list(self.spec_file, environment=env))

    async def backup_create(self, ctx: Context, env: str | None = None, dry_run: bool = False) -> CallToolResult:
        from shipmate.ops import backup_create

        return await self._invoke("backup_create", ctx, {"env": env, "dry_run": dry_run},
                                  lambda p: backup_create(self.spec_file, environment=env, dry_run=dry_run))

    async def inbox_status(self, ctx: Context) -> CallToolResult:
        return await self._invoke("inbox_status", ctx, {},
                                  lambda p: ops.inbox_status(self.spec_file).to_json())

    async def inbox_submit(self, ctx: Context, task: dict[str, Any]) -> CallToolResult:
        """Queued only: the task is an agent's request whatever it says, gated like this client's own deploy."""
        return await self._invoke("inbox_submit", ctx, {"trace_id": task.get("trace_id")},
                                  lambda p: ops.inbox_submit(self.spec_file, task).to_json())

    async def inbox_process(self, ctx: Context) -> CallToolResult:
        """What serve's watcher does, for an agent that cannot start serve: each task keeps its own identity
        (inbox:<requested_by>), so a gated environment still waits for a person."""
        return await self._invoke("inbox_process", ctx, {}, lambda p: ops.inbox_process(self.spec_file).to_json())

    async def approvals(self, ctx: Context, all: bool = False) -> CallToolResult:
        from shipmate.ops import list_approvals

        return await self._invoke("approvals", ctx, {"all": all},
                                  lambda p: list_approvals(self.spec_file, show_all=all, identity=_identity(ctx)))

    async def approve(self, ctx: Context, approval_id: str, code: str | None = None, comment: str | None = None
                      ) -> CallToolResult:
        """Grants only with the one-time code a person was shown (never with the agent's own say-so)."""
        from shipmate.ops import approve

        return await self._invoke("approve", ctx, {"approval_id": approval_id, "code": code, "comment": comment},
                                  lambda p: approve(self.spec_file, approval_id, identity=_identity(ctx), code=code,
                                                    comment=comment))

    async def reject(self, ctx: Context, approval_id: str, reason: str, code: str | None = None) -> CallToolResult:
        from shipmate.ops import reject

        return await self._invoke("reject", ctx, {"approval_id": approval_id, "reason": reason, "code": code},
                                  lambda p: reject(self.spec_file, approval_id, reason=reason,
                                                   identity=_identity(ctx), code=code))

    async def withdraw(self, ctx: Context, approval_id: str, reason: str | None = None) -> CallToolResult:
        """The requester (this client) cancels its own request; needs no code."""
        from shipmate.ops import withdraw

        return await self._invoke("withdraw", ctx, {"approval_id": approval_id, "reason": reason},
                                  lambda p: withdraw(self.spec_file, approval_id, identity=_identity(ctx),
                                                     reason=reason))

    async def memory_search(self, ctx: Context, text: str, limit: int = 10) -> CallToolResult:
        from shipmate.ops import memory_search

        limit = max(1, min(limit, 100))
        return await self._invoke("memory_search", ctx, {"text": text, "limit": limit},
                                  lambda p: memory_search(self.spec_file, text, limit=limit))

    async def version(self, ctx: Context, check: bool = False) -> CallToolResult:
        """Read-only: bumping and releasing commit and tag, which stays a person's (or CI's) command."""
        return await self._invoke("version", ctx, {"check": check},
                                  lambda p: ops.version_check(self.spec_file) if check
                                  else ops.version_show(self.spec_file))

    async def uptime(self, ctx: Context, env: str | None = None) -> CallToolResult:
        return await self._invoke("uptime", ctx, {"env": env}, lambda p: ops.uptime(self.spec_file, environment=env))

    async def report(self, ctx: Context, period: Literal["day", "week", "month"] = "week", since: str | None = None,
                     env: str | None = None) -> CallToolResult:
        """JSON only: an agent reads figures; md/html are for people (`shipmate report`, the dashboard)."""
        return await self._invoke("report", ctx, {"period": period, "since": since, "env": env},
                                  lambda p: ops.report(self.spec_file, period=period, since=since, environment=env))

    async def memory_add(self, ctx: Context, symptom: str, solution: str, root_cause: str = "",
                         prevention: str = "", from_deployment: str | None = None, signature: str | None = None
                         ) -> CallToolResult:
        from shipmate.ops import memory_add

        return await self._invoke("memory_add", ctx, {"symptom": symptom, "solution": solution,
                                                      "root_cause": root_cause, "prevention": prevention,
                                                      "from_deployment": from_deployment, "signature": signature},
                                  lambda p: memory_add(self.spec_file, symptom=symptom, solution=solution,
                                                       root_cause=root_cause, prevention=prevention,
                                                       from_deployment=from_deployment, signature=signature))


def _identity(ctx: Context) -> Identity:
    """mcp:<client name>: an agent, never a person (a grant needs the one-time code)."""
    return mcp_identity(actor_of(ctx))
