"""`shipmate probe mcp TARGET`: does it speak MCP, which tools, how fast (the SDK loads only when this runs)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

probe_app = typer.Typer(help="Probe a service at the protocol level (MCP).", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


@probe_app.command("mcp")
def probe_mcp(
    target: Annotated[str, typer.Argument(metavar="TARGET", help="http://HOST:PORT/mcp (streamable HTTP), "
                                          "http://HOST:PORT/sse (legacy SSE) or 'stdio:COMMAND ARGS'.")],
    calls: Annotated[int, typer.Option("--calls", "-n", min=1, max=100000, help="Timed requests.")] = 20,
    tool: Annotated[str | None, typer.Option("--tool", help="Time this (safe!) tool instead of tools/list.")] = None,
    args: Annotated[str | None, typer.Option("--args", help="The tool's arguments as a JSON object.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=3600, help="Seconds per request.")] = 10.0,
    auto: Annotated[bool, typer.Option("--auto-handshake", help="Use the SDK's server/discover handshake "
                                       "instead of the legacy initialize.")] = False,
    json_out: Json = False,
) -> None:
    """Connect, initialize, list every tool, then time N tools/list (or --tool) calls: p50/p95/p99 (exit 3 if
    the target is not a working MCP server, 7 if nothing answers)."""
    from shipmate import ops

    run_command("probe mcp", json_out, lambda p: ops.probe_mcp(target, calls=calls, tool=tool, arguments=args,
                                                               timeout_s=timeout, legacy_init=not auto), _render)


def _render(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"{result['target']} ({result['transport']}) — {result['server'] or 'unnamed'} "
                        f"{result['protocol_version']}", title_justify="left")
    for column in ("connect", "p50", "p95", "p99", "errors", "tools", "schema hash"):
        table.add_column(column, justify="left" if column == "schema hash" else "right")
    table.add_row(_ms(result["connect_ms"]), _ms(result["p50_ms"]), _ms(result["p95_ms"]), _ms(result["p99_ms"]),
                  f"{result['errors']}/{result['calls']}", str(result["tools"]), result["schema_hash"][:19])
    console.print(table)
    console.print(f"{result['calls']} × {result['operation']}; tools: {', '.join(result['tool_names'])}",
                  markup=False)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"
