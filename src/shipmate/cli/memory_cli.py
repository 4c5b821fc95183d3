"""`shipmate memory ...`: search, list, show, add, merge, split, stats, export, import the failure memory."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

memory_app = typer.Typer(help="The failure memory: failures seen here and the known fixes that worked.",
                         no_args_is_help=True)

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Only this environment's failures.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@memory_app.command("search")
def search(text: Annotated[str, typer.Argument(help="Words of the error, e.g. 'port in use'.")],
           file: File = None, limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
           json_out: Json = False) -> None:
    """Known fixes and failure signatures matching the words, best first."""
    from shipmate import ops

    def show(result: dict[str, Any]) -> None:
        c = _console()
        if not result["fixes"] and not result["signatures"]:
            c.print("nothing matches", markup=False)
        for fix in result["fixes"]:
            c.print(f"{fix['id']}  {fix['record']}  {fix['symptom']}\n    fix: {fix['solution']}", markup=False)
        for sig in result["signatures"]:
            c.print(f"{sig['id']}  {sig['phase']} {sig['error_code']}: {sig['text']}", markup=False)
    run_command("memory search", json_out, lambda p: ops.memory_search(file, text, limit=limit), show)


@memory_app.command("list")
def list_(file: File = None, env: Env = None, json_out: Json = False) -> None:
    """Failure signatures seen here, most recent first, with how often and how many fixes they have."""
    from shipmate import ops

    def show(result: dict[str, Any]) -> None:
        c = _console()
        if not result["signatures"]:
            c.print("no failures recorded here", markup=False)
        for sig in result["signatures"]:
            merged = f" (+{len(sig['merged'])} merged)" if sig["merged"] else ""
            c.print(f"{sig['id']}{merged}  {sig['failures']}x  {sig['fixes']} fix(es)  {sig['phase']} "
                    f"{sig['target_kind'] or '-'} {sig['error_code']}: {sig['text']}", markup=False)
    run_command("memory list", json_out, lambda p: ops.memory_list(file, environment=env), show)


@memory_app.command("show")
def show_item(item_id: Annotated[str, typer.Argument(metavar="ID", help="sig_…, fix_… or fai_…")],
              file: File = None, json_out: Json = False) -> None:
    """One signature (its group, failures and fixes), known fix (its record) or failure."""
    from shipmate import ops

    def show(result: dict[str, Any]) -> None:
        _console().print(json.dumps(result, indent=2, default=str), markup=False)
    run_command("memory show", json_out, lambda p: ops.memory_show(file, item_id), show)


@memory_app.command("add")
def add(symptom: Annotated[str, typer.Option("--symptom", help="What was seen.")],
        solution: Annotated[str, typer.Option("--solution", help="What fixed it.")],
        root_cause: Annotated[str, typer.Option("--root-cause", help="Why it happened.")] = "",
        prevention: Annotated[str, typer.Option("--prevention", help="How to keep it from coming back.")] = "",
        from_deployment: Annotated[str | None, typer.Option("--from", metavar="DEPLOYMENT_ID",
                                                            help="The failed deployment it fixes.")] = None,
        signature: Annotated[str | None, typer.Option("--signature", help="The signature it fixes.")] = None,
        file: File = None, json_out: Json = False) -> None:
    """Teach a known fix; offered first the next time that failure (or one like it) happens."""
    from shipmate import ops

    def show(result: dict[str, Any]) -> None:
        fix = result["fix"]
        said = "added" if result["created"] else "already known"
        _console().print(f"{said}: {fix['id']}{' for ' + fix['signature_id'] if fix['signature_id'] else ''}",
                         markup=False)
    run_command("memory add", json_out, lambda p: ops.memory_add(
        file, symptom=symptom, solution=solution, root_cause=root_cause, prevention=prevention,
        from_deployment=from_deployment, signature=signature), show)


@memory_app.command("merge")
def merge(into: Annotated[str, typer.Argument(metavar="A", help="The signature to keep.")],
          other: Annotated[str, typer.Argument(metavar="B", help="The signature that is the same failure.")],
          file: File = None, json_out: Json = False) -> None:
    """Say B is the same failure as A: counted together, their fixes offered for both."""
    from shipmate import ops

    run_command("memory merge", json_out, lambda p: ops.memory_merge(file, into, other),
                lambda r: _console().print(f"{r['merged']} merged into {r['into']}: {', '.join(r['group'])}",
                                           markup=False))


@memory_app.command("split")
def split(signature: Annotated[str, typer.Argument(metavar="B", help="A signature merged earlier.")],
          file: File = None, json_out: Json = False) -> None:
    """Undo a merge: B is its own failure again."""
    from shipmate import ops

    run_command("memory split", json_out, lambda p: ops.memory_split(file, signature),
                lambda r: _console().print(f"{r['split']} is its own group again", markup=False))


@memory_app.command("stats")
def stats(file: File = None, json_out: Json = False) -> None:
    """Failures, distinct signatures, and the hit rate (the share offered a known fix)."""
    from shipmate import ops

    def show(r: dict[str, Any]) -> None:
        rate = "-" if r["hit_rate"] is None else f"{r['hit_rate']:.0%}"
        _console().print(f"{r['failures']} failures, {r['signatures']} distinct signatures, hit rate {rate} "
                         f"({r['matched']} offered a known fix); {r['fixes']} fixes known "
                         f"({r['starter_fixes']} ship with shipmate), worked {r['worked']} of {r['tried']} tries",
                         markup=False)
    run_command("memory stats", json_out, lambda p: ops.memory_stats(file), show)


@memory_app.command("export")
def export(path: Annotated[str, typer.Argument(metavar="FILE", help="JSONL file to write; - for stdout.")] = "-",
           file: File = None, json_out: Json = False) -> None:
    """Write known fixes and signatures as JSONL, for `memory import` in another repository."""
    from shipmate import ops

    if path == "-" and not json_out:
        def write(r: dict[str, Any]) -> None:
            sys.stdout.write("".join(json.dumps(rec, sort_keys=True) + "\n" for rec in r["records"]))
        run_command("memory export", False, lambda p: ops.memory_export(file), write)
        return
    run_command("memory export", json_out, lambda p: ops.memory_export(file, None if path == "-" else path),
                lambda r: _console().print(f"wrote {r['fixes']} fixes, {r['signatures']} signatures to {r['path']}",
                                           markup=False))


@memory_app.command("import")
def import_(path: Annotated[str, typer.Argument(metavar="FILE", help="A `memory export` JSONL file.")],
            file: File = None, json_out: Json = False) -> None:
    """Add the fixes and signatures of an export; importing the same file again adds nothing."""
    from shipmate import ops

    run_command("memory import", json_out, lambda p: ops.memory_import(file, path),
                lambda r: _console().print(f"{r['fixes_added']} fixes added ({r['fixes_known']} known), "
                                           f"{r['signatures_added']} signatures added ({r['signatures_known']} "
                                           "known)", markup=False))
