"""What the token commands return: a token's public facts (never the token, except once on creation) and who
holds the token an HTTP call presented."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipmate.ops.results.json_result import JsonResult

if TYPE_CHECKING:
    from shipmate.store.api_tokens import ApiTokenRow

SCOPES = ("read", "deploy", "admin")


@dataclass(frozen=True)
class ApiToken(JsonResult):
    name: str
    scope: str               # read | deploy | admin
    agent: bool              # an agent's token: may request, never approve
    created_at: float
    created_by: str
    revoked_at: float | None

    @classmethod
    def of(cls, row: ApiTokenRow) -> ApiToken:
        return cls(row.name, row.scope, row.agent, row.created_at, row.created_by, row.revoked_at)


@dataclass(frozen=True)
class TokenCreated(JsonResult):
    token: ApiToken
    secret: str              # shown once; the host database keeps its sha256
    note: str


@dataclass(frozen=True)
class TokensResult(JsonResult):
    tokens: list[ApiToken]


@dataclass(frozen=True)
class TokenRevoked(JsonResult):
    name: str
    revoked_by: str


@dataclass(frozen=True)
class TokenHolder(JsonResult):
    """Who presented a valid token: the identity every audit event of their calls names."""

    name: str
    scope: str
    agent: bool

    def allows(self, scope: str) -> bool:
        """admin > deploy > read."""
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    @property
    def actor(self) -> str:
        return f"{'agent' if self.agent else 'token'}:{self.name}"
