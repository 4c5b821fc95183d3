"""`shipmate promote --from staging --to production`, and the text it prints (gates, evidence, result)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from shipmate.cli import render
from shipmate.cli.output import Progress, run_command
from shipmate.errors import InvalidInputError

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
OverrideFreeze = Annotated[bool, typer.Option("--override-freeze", help="Deploy inside a freeze window "
                                              "(needs --reason; audited).")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why the freeze is overridden (recorded).")]
NoWait = Annotated[bool, typer.Option("--no-wait", help="When a person's approval is needed, exit 6 with its id "
                                      "instead of waiting.")]


def freeze_reason(override: bool, reason: str | None) -> str | None:
    """--override-freeze needs a --reason; a --reason alone means nothing and is refused too."""
    text = (reason or "").strip()
    if override and not text:
        raise InvalidInputError("--override-freeze needs --reason TEXT", hint='e.g. --reason "hotfix for INC-42"')
    if text and not override:
        raise InvalidInputError("--reason is only used with --override-freeze", hint="add --override-freeze or "
                                "drop --reason")
    return text[:500] if override else None


def promote(from_env: Annotated[str, typer.Option("--from", help="Environment whose passed release is promoted.")],
            to_env: Annotated[str, typer.Option("--to", help="Environment to deploy it to.")],
            file: File = None,
            version: Annotated[str | None, typer.Option("--version", help="Promote this version (default: the "
                                                        "newest release that passed --from).")] = None,
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and the evidence; touch "
                                                  "nothing.")] = False,
            override_freeze: OverrideFreeze = False, reason: Reason = None, no_wait: NoWait = False,
            json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
            ) -> None:
    """Deploy the exact release (artifact + config) that passed --from's monitor window to --to."""
    from shipmate import ops

    def act(p: Progress) -> Mapping[str, Any]:
        why = freeze_reason(override_freeze, reason)
        return ops.promote(file, from_env=from_env, to_env=to_env, version=version, dry_run=dry_run,
                           progress=p, override_freeze=why, wait_approval=not no_wait)
    run_command("promote", json_out, act, show)


def show(result: dict[str, Any]) -> None:
    from shipmate.cli.policy_text import origin_text

    origin = result.get("promoted_from") or {}
    if origin and result.get("dry_run"):
        typer.echo(f"would promote {origin['version']}: {origin_text({'promoted_from': origin})}; "
                   f"artifact {str(result.get('artifact') or '-')[:23]}")
    render.deployment(result)
