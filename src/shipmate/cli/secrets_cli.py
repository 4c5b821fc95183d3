"""`shipmate secrets set|rotate|list|rm`: the value comes from stdin or --file, never from argv (ps, shell history)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

secrets_app = typer.Typer(help="Set, list and remove the service's secrets (values never shown).",
                          no_args_is_help=True)

# -f/--file names the spec, as in every other command (--spec still works); the value file is --from-file.
File = Annotated[str | None, typer.Option("-f", "--file", "--spec", help="Spec file (default ./shipmate.yaml).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
Name = Annotated[str, typer.Argument(metavar="NAME", help="Secret name, e.g. API_KEY.")]
Env = Annotated[str | None, typer.Option("--env", "-e", help="Only for this environment (default: every "
                                         "environment that has no value of its own).")]


ValueFile = Annotated[str | None, typer.Option("--from-file", help="Read the value from this file (default: stdin).")]


@secrets_app.command("set")
def secrets_set(name: Name, spec: File = None, value_file: ValueFile = None, env: Env = None,
                json_out: Json = False) -> None:
    """Store a new version of NAME; the next deploy uses it."""
    from shipmate import ops

    run_command("secrets set", json_out,
                lambda _: ops.secrets_set(spec, name, _read_value(name, value_file), env), _render_set)


@secrets_app.command("rotate")
def secrets_rotate(name: Name, spec: File = None, value_file: ValueFile = None, env: Env = None,
                   json_out: Json = False) -> None:
    """A new version of NAME (set before); the next deploy uses it, and the old version is removed once that
    release passed its monitor window."""
    from shipmate import ops

    run_command("secrets rotate", json_out,
                lambda _: ops.secrets_rotate(spec, name, _read_value(name, value_file), env), _render_set)


def _read_value(name: str, value_file: str | None) -> str:
    from shipmate.ops import read_value_file

    if value_file is not None:
        return read_value_file(value_file)
    if sys.stdin.isatty():
        sys.stderr.write(f"value of {name} (end with Ctrl-D): ")
        sys.stderr.flush()
    return sys.stdin.read()


@secrets_app.command("list")
def secrets_list(spec: File = None, json_out: Json = False) -> None:
    """Names, versions, fingerprints and creation times (never values)."""
    from shipmate import ops

    run_command("secrets list", json_out, lambda p: ops.secrets_list(spec), _render_list)


@secrets_app.command("rm")
def secrets_rm(name: Name, spec: File = None, env: Env = None, json_out: Json = False) -> None:
    """Remove every version of NAME (a release that still uses it can no longer start new instances)."""
    from shipmate import ops

    run_command("secrets rm", json_out, lambda p: ops.secrets_rm(spec, name, env), _render_rm)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _render_set(result: dict[str, Any]) -> None:
    s = result["secret"]
    done = "rotated" if "previous" in result else "set"
    scope = f" for {s['environment']}" if "environment" in s else ""
    print(f"{s['name']} v{s['version']} {s['fingerprint']} {done}{scope} — the next deploy uses it")
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)


def _render_list(result: dict[str, Any]) -> None:
    if not result["secrets"]:
        print("no secrets set")
    for s in result["secrets"]:
        scope = s.get("environment") or "(all)"
        print(f"{s['name']:<24} {scope:<12} v{s['version']:<4} {s['fingerprint']}  {_when(s['created_at'])}")


def _render_rm(result: dict[str, Any]) -> None:
    print(f"removed {result['name']} ({result['removed_versions']} versions)")
