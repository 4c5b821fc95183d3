"""What `import compose` returns."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class ComposeImport(JsonResult):
    written: str                      # the spec file written
    service: str                      # the spec's service name
    compose_service: str              # the compose service it came from
    warnings: list[dict[str, str]]    # each: path (in the compose file), message (what was not carried)


@dataclass(frozen=True)
class ComposeStackImport(JsonResult):
    """`import compose --all`: the stack file, and one spec per compose service (in a folder of its own)."""

    written: str                      # the stack file written
    stack: str
    services: list[dict[str, str]]   # each: name (the member), compose_service, written (its spec)
    warnings: list[dict[str, str]]
