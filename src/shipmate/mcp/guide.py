"""The agent guide: workflows, exit codes, tools and safety rules, generated from live metadata.

Exit codes come from the error tree, tools from the catalog (with the server's policy applied), CLI
commands from the Typer app the caller passes in: the guide cannot drift from what the tools do.
"""

from __future__ import annotations

from collections.abc import Iterable

from shipmate import errors
from shipmate.mcp.catalog import TOOLS, ToolInfo

INSTRUCTIONS = ("shipmate deploys this project's service with health proof and automatic rollback. "
                "Read the resource shipmate://guide first. Results are the CLI's --json objects; "
                "errors carry code, message, hint and exit_code.")

EXIT_MEANING = {0: "ok", 1: "deployment failed and was rolled back (previous release serving)",
                2: "invalid input or not found", 3: "health check failed", 4: "locked by another deployment",
                5: "rollback failed or internal error: a person must look",
                6: "approval required (protected), or refused by the environment's policy",
                7: "prerequisite missing (port taken, command not found, a pre hook failed)",
                130: "interrupted before any change"}

WORKFLOWS = """## Workflows (the seed's eight)
1. Standard deploy: status -> backup_create -> deploy {dry_run: true} -> deploy -> check -> events.
   exit 1: it rolled back by itself (a failing smoke gate too); read logs/events {deployment}, fix, deploy.
   noop: already running (force: true).
2. Environments: deploy {env: staging} -> verified -> promote {from_env: staging, to_env: production,
   dry_run: true} -> promote. exit 6 with details.approval_id: show the person details.diff and
   confidence; they run `shipmate approve ID` in their own terminal (or give you their one-time code for
   approve); call again. details.proceeds_at: the notice tier, it proceeds then unless rejected. withdraw
   {approval_id} cancels your own request. approval_refused below the tiers: escalated; `explain` says why.
   policy_refused (exit 6) says why (failed, superseded, drift, freeze).
3. Emergency rollback: status -> rollback {dry_run: true} -> rollback (or to_version from history) -> check.
4. Secrets: secrets_list -> secrets_set/secrets_rotate {name, value, env} -> deploy (a rotation is a new
   release). A value is never shown back; prereq.secret_missing in doctor names what is missing.
5. Health debugging: check {level: 1..5} one level at a time; the first failing level and its hint say
   where (1 instance, 2 endpoint, 3 application, 4 MCP, 5 smoke) -> logs.
6. Backups: backups -> backup_create {dry_run: true} -> backup_create. Restore is host-only: a person runs
   `shipmate backup restore ID --dry-run`, then without it.
7. Troubleshoot: doctor first (the last failure and its known fixes, then prerequisites, instances,
   router, endpoints, levels, locks: each finding has id, severity, fix) -> logs -> events -> history.
   Fixes marked fixable: a person runs `shipmate doctor --fix`.
8. Take down: down {dry_run: true} -> down."""

SAFETY = """## Safety rules
- ToolPolicy is enforced by the server: a --read-only or --no-destructive server hides and refuses tools;
  annotations and arguments such as confirm are never trusted.
- Protected environments (or approval: required) need a person's approval for deploy, promote, rollback
  to an older release and down: exit 6 with the pending approval; you can request, never grant without a
  person's one-time code (tries are audited; the decision is recorded as that person's). Never run
  `shipmate approve` yourself: it is refused in an agent's shell. Rollback to the last verified release is
  never held. dry_run says whether an approval will be needed.
- Over HTTP every state-changing tool needs Authorization: Bearer <token>.
- Every call and refusal is audited (events, actor mcp:<client name>); secret values never appear.
- Cancelling deploy or rollback rolls it back, as Ctrl-C does."""


def exit_codes() -> str:
    """Each exit code with the error codes that carry it (from the error tree in shipmate.errors)."""
    from shipmate.mcp.policy import RefusedError

    codes: dict[int, list[str]] = {}
    for cls in _subclasses(errors.ShipmateError):
        codes.setdefault(cls.exit_code, []).append(cls.code)
    codes.setdefault(RefusedError.exit_code, []).append(RefusedError.code)
    lines = [f"{number} {EXIT_MEANING.get(number, '')}" + (f" [{', '.join(sorted(set(codes[number])))}]"
                                                           if number in codes else "")
             for number in sorted({0, *codes})]
    return "## Exit codes (error.exit_code; the CLI's exit status)\n" + "\n".join(lines)


def _subclasses(cls: type[errors.ShipmateError]) -> list[type[errors.ShipmateError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += _subclasses(sub)
    return [c for c in found if c.__module__ == errors.__name__]


def tools_section(tools: Iterable[ToolInfo]) -> str:
    lines = []
    for tool in tools:
        kind = "read" if tool.read_only else ("destructive" if tool.destructive else "changes state")
        extra = ", progress, cancel=rollback" if tool.long_running else ""
        lines.append(f"- {tool.name} ({kind}{extra}): {tool.description}")
    return "## Tools (same as `shipmate <command> --json`)\n" + "\n".join(lines)


def cli_section(commands: Iterable[tuple[str, str]]) -> str:
    listed = [f"{name}" for name, _ in commands]
    return "## CLI\n`shipmate " + " | ".join(listed) + " [--json]`; `shipmate <command> --help` for options." \
        if listed else ""


def build_guide(*, tools: Iterable[ToolInfo] = TOOLS, commands: Iterable[tuple[str, str]] = ()) -> str:
    parts = ["# shipmate agent guide", INSTRUCTIONS, WORKFLOWS, exit_codes(), tools_section(tools), SAFETY,
             cli_section(commands)]
    return "\n\n".join(part for part in parts if part) + "\n"


def token_figure(guide: str, tools: Iterable[ToolInfo] = TOOLS) -> dict[str, int]:
    """The issue's budget: (guide + every tool description) characters / 4."""
    chars = len(guide) + sum(len(tool.description) for tool in tools)
    return {"chars": chars, "tokens": chars // 4}
