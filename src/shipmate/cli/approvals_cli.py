"""`shipmate approvals [withdraw ID]`, `shipmate approve ID`, `shipmate reject ID --reason`: a person's
decisions, on the host.

The decider is the OS user running the command (never SHIPMATE_ACTOR). Unknown id: exit 2; already
decided, expired, refused self-approval, or a shell an agent runs (SHIPMATE_ACTOR=agent:*, CLAUDECODE,
...): exit 6, audited approval.refused, nothing changed.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from shipmate.cli.help_panels import SAFETY
from shipmate.cli.output import run_command

approvals_app = typer.Typer()
approvals_group = typer.Typer(help="Approvals waiting for a person (with their one-time codes, shown only here "
                              "and in notifications); `approvals withdraw ID` cancels your own request.")

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
ApprovalId = Annotated[str, typer.Argument(metavar="ID", help="The approval id, e.g. apr_1a2b3c4d5e6f.")]


@approvals_group.callback(invoke_without_command=True)
def approvals(ctx: typer.Context, file: File = None,
              show_all: Annotated[bool, typer.Option("--all", help="Decided and expired ones too.")] = False,
              json_out: Json = False) -> None:
    """Approvals waiting for a person (with their one-time codes, shown only here and in notifications)."""
    if ctx.invoked_subcommand is not None:
        return
    from shipmate.ops import list_approvals

    run_command("approvals", json_out, lambda p: list_approvals(file, show_all=show_all), _render_list)


@approvals_group.command("withdraw")
def withdraw(approval_id: ApprovalId, file: File = None,
             reason: Annotated[str | None, typer.Option("--reason", help="Why (recorded).")] = None,
             json_out: Json = False) -> None:
    """Cancel your own request (pending, or approved and not used yet); a waiting command stops with exit 6."""
    from shipmate import ops

    run_command("approvals withdraw", json_out, lambda p: ops.withdraw(file, approval_id, reason=reason),
                _render_decided)


@approvals_app.command("approve", rich_help_panel=SAFETY)
def approve(approval_id: ApprovalId, file: File = None,
            comment: Annotated[str | None, typer.Option(help="Why it is fine (recorded).")] = None,
            json_out: Json = False) -> None:
    """Approve a pending change as yourself (the OS user); the waiting or retried command then proceeds."""
    from shipmate import ops

    run_command("approve", json_out, lambda p: ops.approve(file, approval_id, comment=comment, ask_token=ask_token),
                _render_decided)


@approvals_app.command("reject", rich_help_panel=SAFETY)
def reject(approval_id: ApprovalId,
           reason: Annotated[str, typer.Option("--reason", help="Why not (recorded, shown to the requester).")],
           file: File = None, json_out: Json = False) -> None:
    """Reject a pending change; the waiting command stops with exit 6 and the reason."""
    from shipmate import ops

    run_command("reject", json_out, lambda p: ops.reject(file, approval_id, reason=reason, ask_token=ask_token),
                _render_decided)


token_group = typer.Typer(help="People's decider tokens (approval.deciders: tokens): shown once, stored hashed.")
approvals_group.add_typer(token_group, name="token")
Name = Annotated[str, typer.Argument(metavar="NAME", help="Whose token, e.g. alice.")]


@token_group.command("add")
def token_add(name: Name, file: File = None, json_out: Json = False) -> None:
    """Make NAME a decider: prints their token once. Once any token exists, type an existing one first."""
    from shipmate import ops

    run_command("approvals token add", json_out, lambda p: ops.add_decider(file, name, ask_token=ask_token),
                lambda r: print(f"decider {r['decider']['name']}: {r['token']}\n  {r['note']}"))


@token_group.command("list")
def token_list(file: File = None, json_out: Json = False) -> None:
    """Deciders and when their tokens were made or revoked (never the tokens)."""
    from shipmate import ops

    run_command("approvals token list", json_out, lambda p: ops.list_deciders(file), _render_deciders)


@token_group.command("revoke")
def token_revoke(name: Name, file: File = None, json_out: Json = False) -> None:
    """Revoke NAME's token (type a decider's token at the prompt)."""
    from shipmate import ops

    run_command("approvals token revoke", json_out, lambda p: ops.revoke_decider(file, name, ask_token=ask_token),
                lambda r: print(f"revoked {r['revoked']} (by {r['by']})"))


def ask_token() -> str | None:
    """A decider token typed at the terminal, without echo; None when stdin is no terminal (a pipe, an agent)."""
    import getpass
    import sys

    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass("decider token: ")
    except EOFError:
        return None


def _render_deciders(result: dict[str, Any]) -> None:
    if not result["deciders"]:
        print("no deciders (approval.deciders: tokens needs one: `shipmate approvals token add NAME`)")
    for row in result["deciders"]:
        made = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row["created_at"]))
        state = "revoked" if row["revoked_at"] else "active"
        print(f"{row['name']:<20} {state:<8} added {made} UTC by {row['created_by']}")


def _render_list(result: dict[str, Any]) -> None:
    rows = result["approvals"]
    if not rows:
        print("no approvals waiting")
    now = time.time()
    for row in rows:
        left = int(row["expires_at"] - now)
        expiry = f"expires in {left // 3600}h{left % 3600 // 60:02d}m" if left > 0 else "expired"
        score = (row.get("confidence") or {}).get("score")
        print(f"{row['id']}  {row['state']:<8} {row['action']} {row['service']}/{row['environment']} "
              f"{row['summary']}")
        print(f"    requested by {row['requested_by']} ({row['requested_face']}), {expiry}"
              + (f", confidence {score}" if score is not None else "")
              + (f", decided by {row['decided_by']}" if row.get("decided_by") else ""))
        if row.get("code"):
            print(f"    one-time code: {row['code']}  (for an agent's approve tool; `shipmate approve "
                  f"{row['id']}` here needs none)")


def _render_decided(result: dict[str, Any]) -> None:
    row = result["approval"]
    print(f"{row['id']} {row['state']} by {row['decided_by']} via {result['via']}: {row['action']} "
          f"{row['service']}/{row['environment']} {row['version']}")
