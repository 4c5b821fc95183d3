"""What `init` and `validate` return."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class InitResult(JsonResult):
    written: str          # the example shipmate.yaml's path


@dataclass(frozen=True)
class ValidationResult(JsonResult):
    valid: bool
    file: str
    service: str
    environment: str
    strategy: str
    port: int
    replicas: int
    warnings: list[str]   # valid, but a deploy from this host would be refused (a command not on PATH)
