"""What the secrets commands return: versions are shown by name, number and fingerprint, never by value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult

if TYPE_CHECKING:
    from shipmate.secrets.vault import SecretVersion


@dataclass(frozen=True)
class SecretInfo(JsonResult):
    name: str
    version: int
    fingerprint: str      # sha256 prefix of the value: tells versions apart without showing them
    created_at: float
    environment: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)   # None: service-wide

    @classmethod
    def of(cls, found: SecretVersion) -> SecretInfo:
        return cls(found.name, found.version, found.fingerprint, found.created_at, environment=found.environment)


@dataclass(frozen=True)
class SecretWritten(JsonResult):
    """secrets set / rotate: the version written (and, for rotate, the one it follows)."""

    secret: SecretInfo
    rotated: bool
    warnings: list[str]
    previous: SecretInfo | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class SecretDryRun(JsonResult):
    """secrets set / rotate with dry_run: what would be written, checked like the real thing; nothing stored."""

    dry_run: bool
    would_set: dict[str, str | None]     # {"name", "environment"}
    previous: SecretInfo | None
    warnings: list[str]


@dataclass(frozen=True)
class SecretsList(JsonResult):
    secrets: list[SecretInfo]   # the latest version of each, per scope (service-wide, then each environment)


@dataclass(frozen=True)
class SecretRemoved(JsonResult):
    name: str
    removed_versions: int
    environment: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
