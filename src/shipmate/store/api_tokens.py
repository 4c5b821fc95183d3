"""HTTP API tokens (`shipmate token create|list|revoke`): only sha256 hashes, never tokens.

They live in the host database (ops.common.host_state), beside the host registry: one `serve` answers for
every registered home, so a token is a holder's key to the host, not to one project. A revoked token stays
as a row and its name is never reused, so `token:<name>` on an old audit event keeps meaning one holder.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from shipmate.store import events, schema
from shipmate.store.rows import _AsDict

if TYPE_CHECKING:
    from shipmate.store.mutations import WriteTx

_t = schema.api_tokens
_COLUMNS = (_t.c.name, _t.c.scope, _t.c.agent, _t.c.created_at, _t.c.created_by, _t.c.revoked_at)


@dataclass(frozen=True)
class ApiTokenRow(_AsDict):
    name: str
    scope: str
    agent: bool
    created_at: float
    created_by: str
    revoked_at: float | None


class StoreApiTokens:
    """Mixed into Store, which provides the transactions."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    def add_api_token(self, name: str, token_hash: str, *, scope: str, agent: bool,
                      created_by: str) -> ApiTokenRow | None:
        """None when the name is taken (also by a revoked token)."""
        now = time.time()
        with self._write() as tx:
            if tx.conn.execute(select(_t.c.name).where(_t.c.name == name)).first() is not None:
                return None
            tx.conn.execute(_t.insert().values(name=name, token_hash=token_hash, scope=scope, agent=agent,
                                               created_at=now, created_by=created_by, revoked_at=None))
            tx.appended.append(events.append(
                tx.conn, event_type="token.created", service="-", environment="-", version=None,
                status="created", notes=f"{name} ({scope}{', agent' if agent else ''})", deployed_by=created_by,
                data={"name": name, "scope": scope, "agent": agent}))
            return ApiTokenRow(name, scope, agent, now, created_by, None)

    def api_tokens(self) -> list[ApiTokenRow]:
        with self._read() as conn:
            rows = conn.execute(select(*_COLUMNS).order_by(_t.c.created_at)).all()
        return [ApiTokenRow(r[0], r[1], bool(r[2]), r[3], r[4], r[5]) for r in rows]

    def api_token_of(self, token_hash: str) -> ApiTokenRow | None:
        """The active token with this hash."""
        with self._read() as conn:
            r = conn.execute(select(*_COLUMNS).where(_t.c.token_hash == token_hash,
                                                     _t.c.revoked_at.is_(None))).first()
        return None if r is None else ApiTokenRow(r[0], r[1], bool(r[2]), r[3], r[4], r[5])

    def active_api_token(self, name: str) -> ApiTokenRow | None:
        with self._read() as conn:
            r = conn.execute(select(*_COLUMNS).where(_t.c.name == name, _t.c.revoked_at.is_(None))).first()
        return None if r is None else ApiTokenRow(r[0], r[1], bool(r[2]), r[3], r[4], r[5])

    def revoke_api_token(self, name: str, *, revoked_by: str) -> bool:
        with self._write() as tx:
            done = tx.conn.execute(_t.update().where(_t.c.name == name, _t.c.revoked_at.is_(None))
                                   .values(revoked_at=time.time())).rowcount == 1
            if done:
                tx.appended.append(events.append(
                    tx.conn, event_type="token.revoked", service="-", environment="-", version=None,
                    status="revoked", notes=name, deployed_by=revoked_by, data={"name": name}))
            return done
