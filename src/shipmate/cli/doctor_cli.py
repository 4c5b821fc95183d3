"""`shipmate doctor [--json] [--bundle FILE] [--fix]`: only what fails, then one summary line ("ready" when all
is well); the exit code is the worst finding's (see the exit-code table; warnings alone exit 0)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Environment (default: the first declared).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
Fix = Annotated[bool, typer.Option("--fix", help="Apply the safe fixes only (a dead holder's lock, a dead "
                                   "router, an instance of this home with no record) and say what was done.")]
Bundle = Annotated[str | None, typer.Option("--bundle", metavar="FILE", help="Also write a redacted tar.gz "
                                            "(spec, versions, report, status, events, log tails) to escalate.")]


def doctor(file: File = None, env: Env = None, fix: Fix = False, bundle: Bundle = None,
           json_out: Json = False) -> None:
    """Troubleshoot: failure memory first, then prerequisites, instances, endpoints, levels, router, locks."""
    from shipmate import ops

    codes: list[int] = []

    def run(_: Any) -> dict[str, Any]:
        report = ops.doctor(file, environment=env, fix=fix, bundle=bundle)
        codes.append(report.exit_code)
        return report.to_json()

    run_command("doctor", json_out, run, _render)
    if codes and codes[0]:
        raise typer.Exit(codes[0])


def _render(result: dict[str, Any]) -> None:
    for line in result["fixed"]:
        print(f"fixed: {line}")
    for found in result["findings"]:
        print(f"{found['severity']:<7} {found['id']}: {found['message']}")
        print(f"        fix: {found['fix']}")
    if result["bundle"]:
        print(f"bundle: {result['bundle']['path']} (secret values filtered)")
    print(result["summary"])
