"""The `shipmate` command line: thin Typer commands over shipmate.ops (imported lazily, for speed)."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from shipmate.cli import render
from shipmate.cli.approvals_cli import approvals_app, approvals_group
from shipmate.cli.backup_cli import backup_app
from shipmate.cli.doctor_cli import doctor
from shipmate.cli.help_panels import AGENTS, DATA, DEPLOY, OBSERVE, SAFETY, GroupedHelp
from shipmate.cli.inbox_cli import inbox_app
from shipmate.cli.logs_cli import logs
from shipmate.cli.memory_cli import memory_app
from shipmate.cli.output import EXIT_INTERRUPTED, Progress, run_command, treat_signals_like_ctrl_c
from shipmate.cli.probe_cli import probe_app
from shipmate.cli.promote_cli import NoWait, OverrideFreeze, Reason, freeze_reason, promote
from shipmate.cli.report_cli import report
from shipmate.cli.secrets_cli import secrets_app
from shipmate.cli.token_cli import token_app
from shipmate.cli.version_cli import release, version_app
from shipmate.errors import CommandInterruptedError

EXIT_CODES = """Exit codes: 0 ok · 1 deployment failed and was rolled back (previous release serving) ·
2 invalid input · 3 health check failed · 4 locked by another deployment · 5 rollback failed (attention!) ·
6 approval required or refused by policy · 7 prerequisite missing (port taken, command not found, a pre hook failed) ·
130 interrupted before anything changed. Ctrl-C, SIGTERM and SIGHUP are the same interruption: during a
deployment they roll it back (exit 1), unless it was already promoted: then it stays, only the cleanup is
cut short (exit 0)."""

app = typer.Typer(name="shipmate", help="Deploy a service alone and safely: prove it healthy, watch it, "
                  "roll back by itself.", epilog=EXIT_CODES, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None, cls=GroupedHelp)
lock_app = typer.Typer(help="Inspect or release the per-service deployment lock.", no_args_is_help=True)
app.add_typer(lock_app, name="lock", rich_help_panel=SAFETY)
import_app = typer.Typer(help="Write a shipmate.yaml from another tool's file.", no_args_is_help=True)
app.add_typer(import_app, name="import", rich_help_panel=DEPLOY)
app.add_typer(secrets_app, name="secrets", rich_help_panel=DATA)
app.add_typer(probe_app, name="probe", rich_help_panel=AGENTS)
app.add_typer(approvals_app)  # shipmate approve, reject
app.add_typer(approvals_group, name="approvals", rich_help_panel=SAFETY)  # approvals [--all], approvals withdraw ID
app.command(rich_help_panel=DEPLOY)(promote)
app.command(rich_help_panel=OBSERVE)(logs)
app.add_typer(backup_app, name="backup", rich_help_panel=DATA)
app.command(rich_help_panel=OBSERVE)(doctor)
app.add_typer(memory_app, name="memory", rich_help_panel=AGENTS)
app.add_typer(inbox_app, name="inbox", rich_help_panel=AGENTS)
app.add_typer(version_app, name="version", rich_help_panel=DEPLOY)   # issue 21
app.command(rich_help_panel=DEPLOY)(release)
app.add_typer(token_app, name="token", rich_help_panel=SAFETY)  # HTTP API tokens (serve)
app.command(rich_help_panel=OBSERVE)(report)



def _print_version(asked: bool) -> None:
    if not asked:
        return
    from shipmate import __version__

    if "--json" in sys.argv[1:]:
        sys.stdout.write(json.dumps({"ok": True, "command": "version", "version": __version__}) + "\n")
    else:
        sys.stdout.write(f"shipmate {__version__}\n")
    raise typer.Exit(0)


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                                   help="Print shipmate's version and exit.")] = False,
             json_out: Annotated[bool, typer.Option("--json", hidden=True)] = False) -> None:
    """Options before the command (`--version --json` prints one JSON object)."""


File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Environment (default: the first declared).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; touch nothing.")]


@app.command(rich_help_panel=DEPLOY)
def init(file: File = None, force: Annotated[bool, typer.Option(help="Overwrite.")] = False,
         json_out: Json = False) -> None:
    """Write a commented example shipmate.yaml that validates."""
    from shipmate import ops

    run_command("init", json_out, lambda p: ops.init(file, force=force), render.init)


@app.command(rich_help_panel=DEPLOY)
def validate(file: File = None, env: Env = None,
             version: Annotated[str | None, typer.Option("--version", help="Version to assume.")] = None,
             json_out: Json = False) -> None:
    """Check shipmate.yaml and explain the first problem."""
    from shipmate import ops

    run_command("validate", json_out, lambda p: ops.validate(file, environment=env, version=version),
                render.validate)


@app.command(rich_help_panel=AGENTS)
def schema(kind: Annotated[str, typer.Argument(metavar="[spec|inbox]", help="spec: shipmate.yaml; inbox: a task "
                                               "file in inbox/incoming/.")] = "spec",
           json_out: Json = False) -> None:
    """Print the JSON Schema of shipmate.yaml, or of an inbox task (for editors and task writers)."""
    from shipmate import ops

    run_command("schema", json_out, lambda p: {"schema": ops.schema(kind)}, render.schema)


@app.command(rich_help_panel=DEPLOY)
def deploy(file: File = None, env: Env = None,
           version: Annotated[str | None, typer.Option("--version", help="Override the spec's version.")] = None,
           dry_run: DryRun = False,
           force: Annotated[bool, typer.Option(help="Deploy even if this release already runs.")] = False,
           no_wait: NoWait = False, override_freeze: OverrideFreeze = False, reason: Reason = None,
           note: Annotated[str | None, typer.Option("--note", help="What this deploy changed to fix the last "
                                                    "failure (becomes a known fix if it succeeds).")] = None,
           trace_id: Annotated[str | None, typer.Option("--trace-id", help="Record this trace id on the deployment "
                                                        "and its events (a CI run's, a ticket's).")] = None,
           json_out: Json = False) -> None:
    """Deploy a release: start, prove healthy, switch, watch; roll back by itself on failure."""
    from shipmate import ops

    def act(p: Progress) -> Mapping[str, Any]:
        return ops.deploy(file, environment=env, version=version, dry_run=dry_run, force=force, progress=p,
                          wait_approval=not no_wait, override_freeze=freeze_reason(override_freeze, reason),
                          trace_id=trace_id, note=note)
    run_command("deploy", json_out, act, render.deployment)


@app.command(rich_help_panel=DEPLOY)
def rollback(file: File = None, env: Env = None,
             to: Annotated[str | None, typer.Option("--to", help="Version (default: last verified).")] = None,
             force: Annotated[bool, typer.Option("--force", help="Put back a release that failed or was rolled "
                                                 "back (a warning and an audit event).")] = False,
             no_monitor: Annotated[bool, typer.Option("--no-monitor", help="Do not watch the restored release "
                                                      "for the monitor window.")] = False,
             dry_run: DryRun = False, no_wait: NoWait = False, json_out: Json = False) -> None:
    """Put back the last release that passed its monitor window (or --to VERSION), then watch it."""
    from shipmate import ops

    def act(p: Progress) -> Mapping[str, Any]:
        return ops.rollback(file, environment=env, to_version=to, dry_run=dry_run, progress=p,
                            wait_approval=not no_wait, force=force, monitor=not no_monitor)
    run_command("rollback", json_out, act, render.deployment)


@app.command(rich_help_panel=OBSERVE)
def status(file: File = None, env: Env = None, json_out: Json = False) -> None:
    """What runs now, whether it answers, and what is in progress."""
    from shipmate import ops

    run_command("status", json_out, lambda p: ops.status(file, environment=env), render.status)


@app.command(rich_help_panel=OBSERVE)
def history(file: File = None, env: Env = None,
            limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, json_out: Json = False) -> None:
    """Past deployments, newest first."""
    from shipmate import ops

    run_command("history", json_out, lambda p: ops.history(file, environment=env, limit=limit),
                render.history)


@app.command(rich_help_panel=OBSERVE)
def events(file: File = None, env: Env = None, limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
           deployment: Annotated[str | None, typer.Option(help="Only this deployment id.")] = None,
           verify: Annotated[bool, typer.Option(help="Verify the hash chain and the JSONL mirror.")] = False,
           json_out: Json = False) -> None:
    """The audit trail (append-only, hash-chained)."""
    from shipmate import ops

    run_command("events", json_out, lambda p: ops.events(file, environment=env, limit=limit,
                                                            deployment_id=deployment, verify=verify),
                render.events)


@app.command(rich_help_panel=OBSERVE)
def explain(deployment_id: Annotated[str, typer.Argument(metavar="DEPLOYMENT_ID", help="e.g. dep_1a2b3c4d5e6f.")],
            file: File = None, json_out: Json = False) -> None:
    """A deployment's confidence score and its factors, beside how it ended."""
    from shipmate import ops
    from shipmate.cli.explain_render import explain as render_explain

    run_command("explain", json_out, lambda p: ops.explain(file, deployment_id), render_explain)


@app.command(rich_help_panel=OBSERVE)
def check(file: File = None, env: Env = None,
          level: Annotated[int | None, typer.Option(min=1, max=5, help="Run levels 1..N only (1 instance, "
                                                    "2 endpoint, 3 application, 4 MCP, 5 smoke).")] = None,
          json_out: Json = False) -> None:
    """Run the health levels of the current release now; stops at the first failing one (exit 3)."""
    from shipmate import ops

    run_command("check", json_out, lambda p: ops.check(file, environment=env, level=level), render.check)


@app.command(rich_help_panel=DEPLOY)
def down(file: File = None, env: Env = None, dry_run: DryRun = False, no_wait: NoWait = False,
         json_out: Json = False) -> None:
    """Stop the service and close its port (history is kept)."""
    from shipmate import ops

    run_command("down", json_out, lambda p: ops.down(file, environment=env, dry_run=dry_run,
                                                      wait_approval=not no_wait), render.down)


@app.command(rich_help_panel=SAFETY)
def recover(file: File = None, json_out: Json = False) -> None:
    """Reconcile deployments interrupted by a crash (every command also does this first)."""
    from shipmate import ops

    run_command("recover", json_out, lambda p: ops.recover(file), render.recover)


@lock_app.command("status")
def lock_status(file: File = None, env: Env = None, json_out: Json = False) -> None:
    """Who holds which lock, until when (each environment has its own)."""
    from shipmate import ops

    run_command("lock status", json_out, lambda p: ops.lock_status(file, environment=env), render.locks)


@lock_app.command("release")
def lock_release(file: File = None, env: Env = None,
                 force: Annotated[bool, typer.Option(help="Even if its owner is alive.")] = False,
                 dry_run: DryRun = False, json_out: Json = False) -> None:
    """Release a stuck lock (audited)."""
    from shipmate import ops

    run_command("lock release", json_out, lambda p: ops.lock_release(file, environment=env, force=force,
                                                                        dry_run=dry_run), render.lock_release)


@import_app.command("compose")
def import_compose(compose_file: Annotated[str, typer.Argument(metavar="COMPOSE_FILE", help="e.g. compose.yml.")],
                   service: Annotated[str | None, typer.Option(help="Which service (default: the only one, or "
                                                               "the only one publishing a port).")] = None,
                   out: Annotated[str | None, typer.Option("--out", "-o", help="Spec file to write (with --all: "
                                                           "the stack file).")] = None,
                   force: Annotated[bool, typer.Option(help="Overwrite --out.")] = False,
                   every: Annotated[bool, typer.Option("--all", help="Every service: a stack file (default "
                                                       "shipmate.stack.yaml) and NAME/shipmate.yaml per service, "
                                                       "keeping depends_on.")] = False,
                   json_out: Json = False) -> None:
    """Write shipmate.yaml (target.kind: docker) from one compose service; warns for every key not carried."""
    from shipmate import ops

    if every:
        from shipmate.cli.stack_render import compose_stack

        run_command("import compose", json_out, lambda p: ops.import_compose_stack(compose_file, out=out,
                                                                                   force=force), compose_stack)
        return

    run_command("import compose", json_out, lambda p: ops.import_compose(compose_file, service=service,
                                                                         out=out or "shipmate.yaml", force=force),
                render.import_compose)


def run() -> None:
    as_json = "--json" in sys.argv[1:]
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    code: int | str | None = 0
    try:
        treat_signals_like_ctrl_c()
        _run(as_json, command)
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt as exc:  # before or after a command ran (Click's own "Aborted!" is exit 1)
        code = EXIT_INTERRUPTED
        if as_json:
            error = CommandInterruptedError(f"interrupted by {exc.args[0] if exc.args else 'SIGINT'}").to_dict()
            with contextlib.suppress(OSError):
                sys.stdout.write(json.dumps({"ok": False, "command": command, "error": error}) + "\n")
                sys.stdout.flush()
    finally:
        # The command is over and its exit code decided: a late signal must not turn it into -2 or 143.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
    sys.exit(code)


def _run(as_json: bool, command: str) -> None:
    if not as_json:
        app()
        return
    # With --json even a usage error (unknown option, value out of range) is one JSON object.
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        error = {"code": "invalid_input", "message": message, "exit_code": 2,
                 "hint": f"see `shipmate {command} --help`".replace("  ", " ")}
        sys.stdout.write(json.dumps({"ok": False, "command": command, "error": error}) + "\n")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
