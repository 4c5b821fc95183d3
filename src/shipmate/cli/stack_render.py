"""Human-readable output for a stack's deploy / rollback / down, status and history (`-f shipmate.stack.yaml`)."""

from __future__ import annotations

import time
from typing import Any


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%m-%d %H:%M:%S", time.localtime(ts))


def run(result: dict[str, Any]) -> None:
    """A run (deploy, rollback, down) or its dry run: one line per member, in the order worked on."""
    c = _console()
    if result.get("dry_run"):
        c.print(f"plan {result['kind']} of stack {result['stack']} ({result['environment']}): "
                + " -> ".join(result["order"]), markup=False)
        for i, member in enumerate(result["members"], 1):
            plan = member.get("plan") or {}
            inner = plan.get("plan") if isinstance(plan.get("plan"), dict) else plan
            steps = ", ".join(s["name"] for s in inner.get("steps", [])) if isinstance(inner, dict) else ""
            what = steps or ", ".join(f"{k}={v}" for k, v in plan.items() if not isinstance(v, dict | list))
            after = f" (after {', '.join(member['depends_on'])})" if member.get("depends_on") else ""
            c.print(f"  {i}. {member['name']}{after}: {what}", markup=False)
        c.print("dry run: nothing was started, written or changed")
        return
    took = f" in {result['duration_s']}s" if result.get("duration_s") is not None else ""
    head = "nothing changed" if result.get("noop") else f"{result['kind']} {result['state']}"
    c.print(f"stack {result['stack']} ({result['environment']}): {head}{took} [{result['stack_run_id']}]",
            markup=False)
    for member in result["members"]:
        c.print(f"  {member['name']}: {member['state']} {member['previous_version'] or '-'} -> "
                f"{member['version'] or '-'}" + (f" ({member['error']})" if member.get("error") else ""),
                markup=False)


def status(result: dict[str, Any]) -> None:
    c = _console()
    c.print(f"stack {result['stack']} ({result['environment']}): " + " -> ".join(result["order"]), markup=False)
    for member in result["members"]:
        envs = member["status"].get("environments", [])
        mine = next((e for e in envs if e.get("environment") == result["environment"]), envs[0] if envs else {})
        cur = mine.get("current") or {}
        serving = "serving" if mine.get("serving") else "not serving"
        c.print(f"  {member['name']}: {cur.get('version') or 'never deployed'} on port {cur.get('port') or '-'}, "
                f"{serving}", markup=False)
    last = result.get("last_run")
    if last:
        c.print(f"last run: {last['kind']} {last['state']} at {_when(last['started_at'])} "
                f"[{last['stack_run_id']}]" + (f" — {last['error']}" if last.get("error") else ""), markup=False)


def history(result: dict[str, Any]) -> None:
    c = _console()
    if not result["runs"]:
        c.print(f"stack {result['stack']} has never run from here")
    for r in result["runs"]:
        members = ", ".join(f"{m['name']} {m['state']}" for m in r["members"])
        c.print(f"{_when(r['started_at'])} {r['environment']} {r['kind']} {r['state']} [{r['stack_run_id']}]: "
                f"{members}" + (f" — {r['error']}" if r.get("error") else ""), markup=False)


def compose_stack(result: dict[str, Any]) -> None:
    c = _console()
    c.print(f"wrote {result['written']} (stack {result['stack']}) and "
            + ", ".join(s["written"] for s in result["services"])
            + f" — check them, then `shipmate deploy -f {result['written']} --dry-run`", markup=False)
    if result["warnings"]:
        c.print(f"{len(result['warnings'])} compose keys not carried (or changed):")
    for warning in result["warnings"]:
        c.print(f"  {warning['path']}: {warning['message']}", markup=False)
