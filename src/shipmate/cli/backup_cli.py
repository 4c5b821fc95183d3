"""`shipmate backup create|list|restore ID|prune`: thin commands over the shipmate.ops backup operations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command
from shipmate.cli.promote_cli import NoWait

backup_app = typer.Typer(help="Back up the service's data (files, folders, SQLite, Docker volumes) and restore it.",
                         no_args_is_help=True)

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Environment (default: the first declared).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")]


@backup_app.command("create")
def create(file: File = None, env: Env = None, dry_run: DryRun = False, json_out: Json = False) -> None:
    """Archive backup.paths now (SQLite through its online backup API); old backups are pruned after."""
    from shipmate.ops import backup_create

    run_command("backup create", json_out, lambda p: backup_create(file, environment=env, dry_run=dry_run),
                _render_create)


@backup_app.command("list")
def list_backups(file: File = None, env: Env = None, json_out: Json = False) -> None:
    """The backups of this service and environment, newest first."""
    from shipmate.ops import backup_list

    run_command("backup list", json_out, lambda p: backup_list(file, environment=env), _render_list)


@backup_app.command("restore")
def restore(backup_id: Annotated[str, typer.Argument(metavar="ID", help="A backup id from `shipmate backup list`.")],
            file: File = None, env: Env = None, dry_run: DryRun = False, no_wait: NoWait = False,
            json_out: Json = False) -> None:
    """Verify every checksum, then put the files back; the replaced ones stay aside until the service is healthy."""
    from shipmate.ops import backup_restore

    run_command("backup restore", json_out,
                lambda p: backup_restore(file, backup_id, environment=env, dry_run=dry_run,
                                         wait_approval=not no_wait), _render_restore)


@backup_app.command("prune")
def prune(file: File = None, env: Env = None, dry_run: DryRun = False, json_out: Json = False) -> None:
    """Remove backups beyond backup.keep or older than backup.max_age (never the newest)."""
    from shipmate.ops import backup_prune

    run_command("backup prune", json_out, lambda p: backup_prune(file, environment=env, dry_run=dry_run),
                _render_prune)


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _render_create(r: dict[str, Any]) -> None:
    if r.get("dry_run"):
        print(f"would back up {r['service']}/{r['environment']} to {r['destination']} ({r['compression']}):")
        for s in r["sources"]:
            print(f"  {s['kind']:<6} {s['target']:<32} {s['files']:>6} file(s)  {_size(s['bytes'])}")
        print(f"  total {_size(r['uncompressed_bytes'])}, about {_size(r['estimated_compressed_bytes'])} "
              f"compressed (estimated from a {_size(r['sample_bytes'])} sample); nothing written")
        return
    a = r["archive"]
    print(f"backup {r['backup_id']}: {r['files']} files, {_size(r['uncompressed_bytes'])} -> {_size(a['bytes'])} "
          f"in {r['duration_s']}s, {r['destination']}/{a['name']}")
    if r.get("pruned"):
        print(f"pruned {len(r['pruned'])} old backup(s): {', '.join(r['pruned'])}")


def _render_list(r: dict[str, Any]) -> None:
    if not r["backups"]:
        print(f"no backups of {r['service']}/{r['environment']} in {r['destination']}")
    for b in r["backups"]:
        when = datetime.fromtimestamp(b["created_at"], UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        print(f"{b['backup_id']}  {when}  {_size(b['bytes']):>9}  {b['files'] if b['files'] is not None else '?':>6} "
              f"files  {b['name']}")


def _render_restore(r: dict[str, Any]) -> None:
    if r.get("dry_run"):
        print(f"{r['backup_id']} verified (every sha256 matches); would replace:")
        for t in r["would_replace"]:
            print(f"  {t['target']} -> {t['live']}")
        return
    print(f"restored {r['backup_id']}: " + ", ".join(t["target"] for t in r["restored"]))
    health = r["health"]
    if health["healthy"]:
        print("the service checks healthy: the replaced files were removed")
    else:
        print(f"not confirmed healthy ({health.get('reason')}); the replaced files are kept aside:")
        for aside in r["kept_aside"]:
            print(f"  {aside['live']}: the replaced copy is {aside['aside']}")


def _render_prune(r: dict[str, Any]) -> None:
    verb = "would remove" if r["dry_run"] else "removed"
    print(f"{verb} {len(r['removed'])} backup(s)" + (": " + ", ".join(r["removed"]) if r["removed"] else ""))
