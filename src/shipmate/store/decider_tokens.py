"""People's decider tokens in the state database (approval.deciders: tokens): only sha256 hashes, never tokens.

A name is a person; a revoked token stays as a row (who had one, when it ended) and its name cannot be
reused, so an old approval's `token:<name>` keeps meaning one person.
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

_t = schema.decider_tokens


@dataclass(frozen=True)
class DeciderToken(_AsDict):
    name: str
    created_at: float
    created_by: str
    revoked_at: float | None


class StoreDeciderTokens:
    """Mixed into Store, which provides the transactions."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    def add_decider_token(self, name: str, token_hash: str, *, created_by: str,
                          service: str = "-") -> DeciderToken | None:
        """None when the name is taken (also by a revoked token)."""
        now = time.time()
        with self._write() as tx:
            if tx.conn.execute(select(_t.c.name).where(_t.c.name == name)).first() is not None:
                return None
            tx.conn.execute(_t.insert().values(name=name, token_hash=token_hash, created_at=now,
                                               created_by=created_by, revoked_at=None))
            tx.appended.append(events.append(
                tx.conn, event_type="approval.decider_added", service=service, environment="-", version=None,
                status="added", notes=name, deployed_by=created_by, data={"name": name}))
            return DeciderToken(name, now, created_by, None)

    def decider_tokens(self) -> list[DeciderToken]:
        with self._read() as conn:
            rows = conn.execute(select(_t.c.name, _t.c.created_at, _t.c.created_by, _t.c.revoked_at)
                                .order_by(_t.c.created_at)).all()
        return [DeciderToken(*row) for row in rows]

    def decider_of(self, token_hash: str) -> str | None:
        """The name of the active token with this hash."""
        with self._read() as conn:
            return conn.execute(select(_t.c.name).where(_t.c.token_hash == token_hash,
                                                        _t.c.revoked_at.is_(None))).scalar()

    def revoke_decider_token(self, name: str, *, revoked_by: str, service: str = "-") -> bool:
        with self._write() as tx:
            done = tx.conn.execute(_t.update().where(_t.c.name == name, _t.c.revoked_at.is_(None))
                                   .values(revoked_at=time.time())).rowcount == 1
            if done:
                tx.appended.append(events.append(
                    tx.conn, event_type="approval.decider_revoked", service=service, environment="-", version=None,
                    status="revoked", notes=name, deployed_by=revoked_by, data={"name": name}))
            return done
