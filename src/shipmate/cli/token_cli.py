"""`shipmate token create|list|revoke`: the HTTP API's tokens (host-level; shown once, stored hashed)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

token_app = typer.Typer(help="HTTP API tokens for `shipmate serve` (scopes read, deploy, admin): shown once, "
                        "stored hashed, one set per host.", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


@token_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="Who holds it: a person or an agent, e.g. alice.")],
           scope: Annotated[str, typer.Option("--scope", help="read (see), deploy (also act) or admin.")] = "read",
           agent: Annotated[bool, typer.Option("--agent", help="An agent's token: may request, never approve.")]
           = False, json_out: Json = False) -> None:
    """Make a token and print it once (the host keeps its sha256)."""
    from shipmate import ops
    from shipmate.cli.output import run_command

    run_command("token create", json_out, lambda p: ops.token_create(name, scope=scope, agent=agent),
                lambda r: print(f"token {r['token']['name']} ({r['token']['scope']}"
                                f"{', agent' if r['token']['agent'] else ''}): {r['secret']}\n  {r['note']}"))


@token_app.command("list")
def list_tokens(json_out: Json = False) -> None:
    """Tokens with their scope and holder kind (never the tokens themselves)."""
    from shipmate import ops
    from shipmate.cli.output import run_command

    run_command("token list", json_out, lambda p: ops.token_list(), _render_list)


@token_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
           json_out: Json = False) -> None:
    """Revoke NAME's token: its API calls and dashboard sessions stop at their next request."""
    from shipmate import ops
    from shipmate.cli.output import run_command

    run_command("token revoke", json_out, lambda p: ops.token_revoke(name),
                lambda r: print(f"revoked {r['name']} (by {r['revoked_by']})"))


def _render_list(result: dict[str, Any]) -> None:
    if not result["tokens"]:
        print("no tokens (`shipmate token create --scope read --name NAME`)")
    for row in result["tokens"]:
        made = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row["created_at"]))
        state = "revoked" if row["revoked_at"] else "active"
        kind = "agent" if row["agent"] else "person"
        print(f"{row['name']:<20} {row['scope']:<7} {kind:<7} {state:<8} made {made} UTC by {row['created_by']}")
