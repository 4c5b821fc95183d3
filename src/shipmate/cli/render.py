"""Human-readable output for each command (Rich, imported only when printing)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from shipmate.cli import files_text, policy_text, stack_render


def _console() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160, soft_wrap=True)  # pipes and logs: no 80-column wrap
    return console


def _ago(ts: float | None) -> str:
    if ts is None:
        return "-"
    return time.strftime("%m-%d %H:%M:%S", time.localtime(ts))


def schema(result: dict[str, Any]) -> None:
    """The bare schema, so `shipmate schema > shipmate.schema.json` gives editors what they expect."""
    sys.stdout.write(json.dumps(result["schema"], indent=2) + "\n")


def init(result: dict[str, Any]) -> None:
    _console().print(f"wrote {result['written']} — edit it, then `shipmate validate` and `shipmate deploy`")


def import_compose(result: dict[str, Any]) -> None:
    c = _console()
    c.print(f"wrote {result['written']} from compose service {result['compose_service']} — check it, then "
            "`shipmate validate` and `shipmate deploy`", markup=False)
    if result["warnings"]:
        c.print(f"[yellow]{len(result['warnings'])} compose keys not carried (or changed):[/]")
    for warning in result["warnings"]:
        c.print(f"  {warning['path']}: {warning['message']}", markup=False)


def validate(result: dict[str, Any]) -> None:
    where = f"on port {result['port']}" if result['port'] else "(target.kind files: no port)"
    _console().print(f"[green]valid[/]: {result['file']} — {result['service']} {where} "
                     f"({result['strategy']}, environment {result['environment']})")
    for warning in result.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)


def deployment(result: dict[str, Any]) -> None:
    if "stack" in result:   # -f shipmate.stack.yaml
        return stack_render.run(result)
    if files_text.is_files(result):
        files_text.files_result(result)
        return
    c = _console()
    if result.get("dry_run"):
        plan = result["plan"]
        c.print(f"[bold]plan[/] {plan['kind']} {plan['service']} {plan['version']} "
                f"({plan['strategy']}, environment {plan['environment']}, "
                f"previous {plan['previous_version'] or 'none'}){' — has downtime' if plan['downtime'] else ''}")
        for i, step in enumerate(plan["steps"], 1):
            args = ", ".join(f"{k}={v}" for k, v in step["args"].items())
            c.print(f"  {i}. {step['name']}({args}) — {step['why']}")
        if result.get("gate_levels"):
            shown = ", ".join(f"{lv['level']} {lv['name']}" for lv in result["gate_levels"])
            c.print(f"  health levels before traffic: {shown}", markup=False, highlight=False)
        for line in policy_text.gate_lines(result.get("policy")):
            c.print(line, markup=False, highlight=False)
        if policy_text.approval_line(result.get("approval")):
            c.print(policy_text.approval_line(result.get("approval")), markup=False, highlight=False)
        c.print("[dim]dry run: nothing was started, written or changed[/]")
        return
    if result.get("noop"):
        c.print(result["message"])
        return
    verdict = result.get("verdict") or {}
    detail = f" — monitor {verdict['phase']}, {verdict['samples']} samples" if verdict else ""
    shown = label(result["version"], result.get("artifact_short"))
    c.print(f"[green]{result['kind']} ok[/]: {result['service']} {shown} "
            f"serving in {result['environment']} ({result['deployment_id']}){detail}")
    for line in evidence_lines(verdict):
        c.print(f"  {line}", markup=False, highlight=False)
    if policy_text.origin_text(result.get("origin")):
        c.print(f"  {policy_text.origin_text(result.get('origin'))}", markup=False, highlight=False)
    for warning in result.get("warnings") or []:
        c.print(f"[yellow]warning[/]: {_escape(warning)}", highlight=False)
    for step in result.get("steps") or []:
        if step.get("status") != "ok":  # a cleanup cut short (interrupted) or failed after promote
            c.print(f"[yellow]note[/]: step {step['name']} {step['status']}", highlight=False)


def _said_never_deployed(result: dict[str, Any]) -> bool:
    if result.get("never_deployed"):
        sys.stdout.write(f"{result['service']} has never been deployed from here: nothing to show yet "
                         "(`shipmate deploy` starts it)\n")
    return bool(result.get("never_deployed"))


def status(result: dict[str, Any]) -> None:
    if "stack" in result:
        return stack_render.status(result)
    if _said_never_deployed(result):
        return
    from rich.table import Table

    table = Table(title=f"{result['service']}", title_justify="left")
    for col in ("env", "version", "serving", "live", "port", "last deployment"):
        table.add_column(col)
    for e in result["environments"]:
        cur, last = e.get("current"), e.get("last_deployment")
        busy = e.get("deployment_in_progress")
        last_txt = "-" if not last else f"{last['version']} {last['kind']} {last['state']}"
        if last and last.get("origin"):
            last_txt += f", {policy_text.origin_text(last['origin'])}"
        if busy:
            last_txt += f" (in progress: {busy['state']})"
        table.add_row(e["environment"], label(cur["version"], cur.get("artifact_short")) if cur else "-",
                      "[green]yes[/]" if e.get("serving") else "[red]no[/]",
                      f"{cur['live']}/{cur['replicas']}" if cur else "-",
                      str((cur or {}).get("port") or "-"), last_txt)
    c = _console()
    c.print(table)
    rows = [(e["environment"], i) for e in result["environments"] for i in e.get("instances") or []]
    if rows:
        c.print(_instances_table(rows))
    watcher = result.get("supervisor") or {}
    if watcher.get("running"):
        c.print(f"supervised by shipmate serve (pid {watcher.get('pid')})")
    elif watcher:
        c.print(f"[yellow]{watcher.get('message')}[/]; {watcher.get('hint')}")


def _instances_table(rows: list[tuple[str, dict[str, Any]]]) -> Any:
    """One line per instance: which release it runs, its role in traffic, and whether its target sees it alive."""
    from rich.table import Table

    table = Table(title="instances", title_justify="left")
    for col in ("env", "instance", "role", "version", "status", "alive", "pid", "port", "rotation", "restarts",
                "last exit", "uptime", "cpu", "mem"):
        table.add_column(col)
    for env, i in rows:
        version = i.get("version") or "-"
        if i.get("artifact"):
            version += f" ({str(i['artifact'])[:12]})"
        rotation = {True: "in", False: "[yellow]out[/]", None: "-"}[i.get("in_rotation")]
        last_exit = (i.get("last_exit") or {}).get("status") or "-"
        table.add_row(env, i["instance_id"], i["role"], version, i["status"],
                      "[green]yes[/]" if i["alive"] else "[red]no[/]", str(i.get("pid") or "-"),
                      _where(i), rotation, str(i.get("restarts") or 0), last_exit,
                      _figure(i.get("uptime_s"), "s"), _figure(i.get("cpu_percent"), "%"),
                      _figure(i.get("memory_mb"), " MB"))
    return table


def _figure(value: Any, unit: str) -> str:
    return "-" if value is None else f"{value:g}{unit}"


def _where(instance: dict[str, Any]) -> str:
    """The port, with the node's address when the instance runs on another machine (a Swarm worker)."""
    port, host = instance.get("port"), instance.get("host")
    if not port:
        return "-"
    return f"{host}:{port}" if host and host != "127.0.0.1" else str(port)


def history(result: dict[str, Any]) -> None:
    if "stack" in result:
        return stack_render.history(result)
    if _said_never_deployed(result):
        return
    from rich.table import Table

    table = Table(title=f"{result['service']} deployments", title_justify="left")
    for col in ("when", "env", "version", "kind", "state", "verified", "took", "error / origin"):
        table.add_column(col)
    for d in result["deployments"]:
        table.add_row(_ago(d["started_at"]), d["environment"], label(d["version"], d.get("artifact_short")), d["kind"],
                      d["state"],
                      "yes" if d["verified"] else "", f"{d['duration_s']}s" if d["duration_s"] else "-",
                      (d["error"] or policy_text.origin_text(d.get("origin")))[:90])
    _console().print(table)


def events(result: dict[str, Any]) -> None:
    if _said_never_deployed(result):
        return
    c = _console()
    for e in result["events"]:
        errs = f" errors={e['errors']}" if e.get("errors") else ""
        c.print(f"{e['seq']:>5} {e['timestamp']} {e['environment']:<10} {e['event_type']:<28} "
                f"{e.get('version') or '-':<10} {e['status']}{errs}", markup=False)
    chain = result.get("chain")
    if chain:
        ok = chain["ok"] and chain["mirror_ok"]
        c.print(("[green]chain ok[/]" if ok else "[red]chain BROKEN[/]") +
                f": {chain['checked']} events checked; mirror: {chain['mirror']}")


def check(result: dict[str, Any]) -> None:
    c = _console()
    for level in result.get("levels") or [{"level": "-", "name": "checks", "checks": result["checks"]}]:
        c.print(f"[bold]level {level['level']}[/] {level['name']}", markup=True)
        for chk in level["checks"]:
            mark = "[green]pass[/]" if chk["phase"] == "pass" else "[red]fail[/]"
            c.print(f"  {mark} {_escape(chk['probe']):<40} {chk['latency_ms']:>8.1f} ms  "
                    f"{_escape(chk['detail'])}")
    for warning in result.get("warnings") or ():
        c.print(f"[yellow]warning:[/] {_escape(warning)}")
    c.print(f"{result['service']}/{result['environment']} {result['version']}: healthy")


def logs(result: dict[str, Any]) -> None:
    for inst in result["instances"]:
        sys.stdout.write(f"==> {inst['instance_id']} ({inst['status']}) {inst['log_path']}\n")
        for line in inst["lines"]:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")


def down(result: dict[str, Any]) -> None:
    if "stack" in result:
        return stack_render.run(result)
    c = _console()
    if files_text.is_files(result):
        files_text.files_result(result)
    elif result.get("dry_run"):
        deployment({"dry_run": True, "plan": result["plan"]})
    elif result.get("noop"):
        c.print(result["message"])
    else:
        c.print(f"{result['service']}/{result['environment']}: stopped {result['stopped_version']}")


def recover(result: dict[str, Any]) -> None:
    c = _console()
    if not result["recovered"]:
        c.print("nothing to recover")
    for item in result["recovered"]:
        c.print(", ".join(f"{k}={v}" for k, v in item.items()), markup=False)


def locks(result: dict[str, Any]) -> None:
    c = _console()
    if not result["locks"]:
        c.print("no locks")
    for lk in result["locks"]:
        owner = lk.get("owner") or {}
        state = "held" if lk.get("held") else ("stalled" if lk.get("stalled") else "free")
        c.print(f"{lk['key']:<30} {state:<7} fencing {lk['fencing']:<4} owner pid {owner.get('pid', '-')} "
                f"{owner.get('actor', '')}", markup=False)


def lock_release(result: dict[str, Any]) -> None:
    _console().print(f"{result['key']}: " + ("released" if result.get("released") else
                                              result.get("message", "would release")), markup=False)


def evidence_lines(verdict: dict[str, Any]) -> list[str]:
    """One line per judged rule: what was observed against which threshold, from which source."""
    rules = ((verdict.get("evidence") or {}).get("rules")) or []
    out = []
    for rule in rules:
        observed, threshold = rule.get("observed"), rule.get("threshold")
        shown = "-" if observed is None else f"{observed:.4g}"
        out.append(f"{rule.get('status', '?'):<12} {rule.get('source')}.{rule.get('rule')}: {shown} "
                   f"(limit {threshold}) {rule.get('detail') or ''}".rstrip())
    return out


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def label(version: str | None, short: str | None) -> str:
    """`1.0.0 (3f2a9c1b)`: a version with its artifact's short hash, so two releases of one version differ."""
    return f"{version or '-'} ({short})" if short else (version or "-")
