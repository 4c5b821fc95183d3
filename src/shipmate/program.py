"""The `shipmate` program: the CLI face, plus the two commands that start the MCP face
(`shipmate mcp`, over stdio or HTTP) and print its agent guide (`shipmate guide`), and `shipmate serve`,
which hands the web face's app factory to ops.serve (the core never imports a face).

This is the composition root, not a face: faces never import each other (the layer contracts in
pyproject.toml say so), so the one place that knows both the CLI and the MCP face is here.
The MCP SDK is imported inside these commands only: `shipmate --help` and `status` never load it.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Any

import typer

from shipmate.cli import main as cli
from shipmate.cli.help_panels import AGENTS, OBSERVE
from shipmate.cli.output import Progress, run_command

mcp_app = typer.Typer()

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
ReadOnly = Annotated[bool, typer.Option("--read-only", help="Offer and allow only the read tools.")]
NoDestructive = Annotated[bool, typer.Option("--no-destructive", help="Hide and refuse destructive tools (down).")]


@mcp_app.command("mcp", rich_help_panel=AGENTS)
def mcp(file: File = None,
        http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP at /mcp (SSE at /sse).")] = False,
        host: Annotated[str, typer.Option(help="HTTP address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=0, max=65535, help="HTTP port (0: any free one).")] = 8766,
        read_only: ReadOnly = False, no_destructive: NoDestructive = False) -> None:
    """Serve shipmate as an MCP server (stdio by default); over HTTP state-changing tools need a bearer token."""
    def act(p: Progress) -> dict[str, Any]:
        from shipmate.mcp.policy import ToolPolicy
        from shipmate.mcp.server import build_server

        if not http:
            build_server(file, ToolPolicy(read_only, no_destructive), cli_commands()).run("stdio")
            return {}
        from shipmate import ops
        from shipmate.mcp.http_app import resolve_token, serve_http

        token, source = resolve_token(ops.home_of(file))
        server = build_server(file, ToolPolicy(read_only, no_destructive, token), cli_commands())
        sys.stderr.write(f"shipmate mcp: http://{host}:{port}/mcp (SSE /sse); bearer token from {source}\n")
        serve_http(server, host, port)
        return {}
    run_command("mcp", False, act, None)


@mcp_app.command("guide", rich_help_panel=AGENTS)
def guide(file: File = None, read_only: ReadOnly = False, no_destructive: NoDestructive = False,
          json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False
          ) -> None:
    """Print the compact agent guide (workflows, exit codes, tools, safety), as MCP serves it."""
    def act(p: Progress) -> dict[str, Any]:
        from shipmate.mcp.catalog import TOOLS
        from shipmate.mcp.guide import build_guide, token_figure
        from shipmate.mcp.policy import ToolPolicy

        policy = ToolPolicy(read_only, no_destructive)
        tools = [tool for tool in TOOLS if policy.lists(tool)]
        text = build_guide(tools=tools, commands=cli_commands())
        return {"guide": text, **token_figure(text, tools)}
    run_command("guide", json_out, act, _print_guide)


@mcp_app.command("serve", rich_help_panel=OBSERVE)
def serve(files: Annotated[list[str] | None, typer.Option(
              "-f", "--file", help="Watch only this spec's home (repeatable; default: every registered home).")] = None,
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port of /healthz on 127.0.0.1.")] = 8765,
          systemd: Annotated[bool, typer.Option("--systemd", help="Print a systemd unit that runs this at boot, "
                                                                   "and exit.")] = False) -> None:
    """Keep every current release running: restarts with backoff, liveness, crash loop -> automatic rollback,
    the router back within a second. Stops on SIGTERM/SIGINT; the instances keep running."""
    from shipmate import ops

    if systemd:
        sys.stdout.write(ops.systemd_unit(files or [], port=port))
        return
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def act(p: Progress) -> dict[str, Any]:
        from shipmate.web.app import create_app

        return ops.serve(files or [], http_app=lambda health: create_app(health, port=port), port=port)

    run_command("serve", False, act, None)


def _print_guide(result: dict[str, Any]) -> None:
    sys.stdout.write(result["guide"])


def cli_commands() -> list[tuple[str, str]]:
    """(name, first help line) of every top-level command and group of the live CLI."""
    app = cli.app
    commands = list(app.registered_commands)
    commands += [c for g in app.registered_groups if not g.name and g.typer_instance
                 for c in g.typer_instance.registered_commands]
    found = [(c.name or (c.callback.__name__ if c.callback else ""), (c.help or "").split("\n")[0]) for c in commands]
    found += [(g.name or "", "") for g in app.registered_groups if g.name]
    return [(name.replace("_", "-"), text) for name, text in found if name]


cli.app.add_typer(mcp_app)  # shipmate mcp, shipmate guide, shipmate serve (with the web face)


def run() -> None:
    """The console script: the whole program (every face's commands), exit code as documented."""
    cli.run()
