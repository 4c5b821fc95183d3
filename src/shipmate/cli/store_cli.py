"""`shipmate store copy --to URL` and `shipmate store homes`: thin commands over shipmate.ops."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

store_app = typer.Typer(help="Where state is kept: copy a home into a shared PostgreSQL, list the homes it holds.",
                        no_args_is_help=True)

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


@store_app.command("copy")
def copy(to: Annotated[str, typer.Option("--to", help="postgresql://user:password@host:5432/database")],
         file: File = None, json_out: Json = False) -> None:
    """Copy this project's SQLite history into PostgreSQL (idempotent; the hash chain is verified there)."""
    from shipmate.ops import store_copy

    run_command("store copy", json_out, lambda p: store_copy(file, to), _render_copy)


@store_app.command("homes")
def homes(json_out: Json = False) -> None:
    """Every home in this host's store and what each serves (all hosts' homes with a shared PostgreSQL)."""
    from shipmate.ops import store_homes

    run_command("store homes", json_out, lambda p: store_homes(), _render_homes)


def _render_copy(r: dict[str, Any]) -> None:
    added = ", ".join(f"{name} {n}" for name, n in r["added"].items() if n) or "nothing new"
    print(f"copied {r['source']} -> {r['target']}: {added}")
    print(f"chain verified: {r['events']} events, head {str(r['head_hash'])[:12]}")
    print("set SHIPMATE_STORE (or store: in ~/.config/shipmate/host.yaml) to use it")


def _render_homes(r: dict[str, Any]) -> None:
    print(f"{r['backend']}: {r['location']}")
    if not r["homes"]:
        print("  no homes yet")
    for h in r["homes"]:
        seen = "" if h["last_seen"] is None else \
            " (last opened " + datetime.fromtimestamp(h["last_seen"], UTC).strftime("%Y-%m-%d %H:%M UTC") + ")"
        print(f"  {h['host']}:{h['home']}{seen}")
        for s in h["services"]:
            print(f"    {s['service']}/{s['environment']}  {s['version'] or '?'}")
