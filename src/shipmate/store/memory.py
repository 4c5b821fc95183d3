"""The failure memory in the state database: signatures, failures, known fixes and their outcomes.

A small repository API (the methods of StoreMemory) so the ops layer never writes SQL; the full-text part is
in memory_search.py. Grouping: a signature merged into another (``merged_into``) counts as that one's group.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Integer, func, select

from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.store import memory_search, schema
from shipmate.store.memory_rows import FailureRow, FixCount, FixRow, MemoryStats, SignatureRow

if TYPE_CHECKING:
    from shipmate.store.mutations import WriteTx

_sig, _fail, _fix, _out = schema.memory_signatures, schema.memory_failures, schema.memory_fixes, schema.memory_outcomes
FIX_FIELDS = ("symptom", "root_cause", "solution", "prevention")


def fix_key(symptom: str, root_cause: str, solution: str, prevention: str) -> str:
    """The content hash that makes adding or importing the same fix twice one fix."""
    text = "\x1f".join(" ".join(part.split()).lower() for part in (symptom, root_cause, solution, prevention))
    return hashlib.sha256(text.encode()).hexdigest()


def _root(conn: Connection, signature_id: str) -> str:
    seen = {signature_id}
    current = signature_id
    while True:
        nxt = conn.execute(select(_sig.c.merged_into).where(_sig.c.id == current)).scalar()
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt


def _root_in(parent: dict[str, Any], signature_id: str) -> str:
    seen = {signature_id}
    while parent.get(signature_id) is not None and parent[signature_id] not in seen:
        signature_id = str(parent[signature_id])
        seen.add(signature_id)
    return signature_id


def _group(conn: Connection, signature_id: str) -> list[str]:
    """Every signature whose root is this one's root (the root first)."""
    root = _root(conn, signature_id)
    members, frontier = [root], [root]
    while frontier:
        found = [str(r) for r in conn.execute(select(_sig.c.id).where(_sig.c.merged_into.in_(frontier))).scalars()]
        found = [f for f in found if f not in members]
        members += found
        frontier = found
    return members


class MemoryRepository:
    """``store.memory``: the store's transactions, with the memory's operations (loaded only when asked for)."""

    def __init__(self, read: Callable[[], AbstractContextManager[Connection]],
                 write: Callable[[], AbstractContextManager[WriteTx]], *, readonly: bool) -> None:
        self._read = read
        self._write = write
        self.readonly = readonly

    # -- failures ----------------------------------------------------------------------------------

    def record_failure(self, signature: dict[str, Any], *, service: str, environment: str,
                       deployment_id: str | None, kind: str, message: str,
                       shown_fix_ids: Sequence[str]) -> FailureRow:
        """``signature``: the fields of analysis.failure_signature.Signature (key as id)."""
        now = time.time()
        failure_id = f"fai_{uuid.uuid4().hex[:12]}"
        with self._write() as tx:
            if tx.conn.execute(select(_sig.c.id).where(_sig.c.id == signature["key"])).first() is None:
                tx.conn.execute(_sig.insert().values(
                    id=signature["key"], signature_version=signature["version"], phase=signature["phase"],
                    target_kind=signature["target_kind"], error_code=signature["error_code"],
                    exit_code=signature["exit_code"], text=signature["text"], merged_into=None,
                    first_seen=now, last_seen=now))
            else:
                tx.conn.execute(_sig.update().where(_sig.c.id == signature["key"]).values(last_seen=now))
            tx.conn.execute(_fail.insert().values(
                id=failure_id, signature_id=signature["key"], service=service, environment=environment,
                deployment_id=deployment_id, kind=kind, message=message[:4000], shown_fix_ids=list(shown_fix_ids),
                settled=None, created_at=now))
            m = tx.conn.execute(select(_fail).where(_fail.c.id == failure_id)).mappings().one()
            return FailureRow.of(m)

    def open_failures(self, service: str, environment: str) -> list[FailureRow]:
        """Failures of this service/env no later deployment has settled yet, oldest first."""
        stmt = select(_fail).where(_fail.c.service == service, _fail.c.environment == environment,
                                   _fail.c.settled.is_(None)).order_by(_fail.c.created_at)
        with self._read() as conn:
            return [FailureRow.of(m) for m in conn.execute(stmt).mappings()]

    def settle_failure(self, failure_id: str, *, settled: str, deployment_id: str,
                       outcomes: Iterable[tuple[str, bool]]) -> None:
        """Close a failure (worked | repeated) and credit each (fix id, worked) once."""
        now = time.time()
        with self._write() as tx:
            tx.conn.execute(_fail.update().where(_fail.c.id == failure_id, _fail.c.settled.is_(None))
                            .values(settled=settled))
            for fix_id, worked in outcomes:
                if tx.conn.execute(select(_out.c.fix_id).where(_out.c.fix_id == fix_id,
                                                               _out.c.failure_id == failure_id)).first() is None:
                    tx.conn.execute(_out.insert().values(fix_id=fix_id, failure_id=failure_id,
                                                         deployment_id=deployment_id, worked=worked, at=now))

    def failures(self, *, signature_id: str | None = None, limit: int = 50) -> list[FailureRow]:
        """Newest first; with a signature, every failure of its group."""
        with self._read() as conn:
            stmt = select(_fail).order_by(_fail.c.created_at.desc()).limit(limit)
            if signature_id is not None:
                stmt = stmt.where(_fail.c.signature_id.in_(_group(conn, signature_id)))
            return [FailureRow.of(m) for m in conn.execute(stmt).mappings()]

    def signatures_seen(self, service: str) -> list[str]:
        """Every signature a failure of ``service`` carried, with the signatures merged into the same group."""
        with self._read() as conn:
            ids = conn.execute(select(_fail.c.signature_id).where(_fail.c.service == service).distinct()).scalars()
            return sorted({member for sid in list(ids) for member in _group(conn, str(sid))})

    def failure_of_deployment(self, deployment_id: str, *, failure_id: str | None = None) -> FailureRow | None:
        """The newest failure of a deployment (or the one with ``failure_id``, deployment_id then ignored)."""
        where = _fail.c.id == failure_id if failure_id is not None else _fail.c.deployment_id == deployment_id
        with self._read() as conn:
            m = conn.execute(select(_fail).where(where).order_by(_fail.c.created_at.desc()).limit(1)).mappings().first()
            return None if m is None else FailureRow.of(m)

    # -- signatures and grouping -------------------------------------------------------------------

    def get_signature(self, signature_id: str) -> SignatureRow | None:
        with self._read() as conn:
            m = conn.execute(select(_sig).where(_sig.c.id == signature_id)).mappings().first()
            return None if m is None else SignatureRow.of(m)

    def signature_group(self, signature_id: str) -> list[str]:
        with self._read() as conn:
            return _group(conn, signature_id)

    def signatures(self, *, limit: int = 50) -> list[tuple[SignatureRow, int]]:
        """Group roots, most recently seen first, with their group's failure count."""
        with self._read() as conn:
            roots = [SignatureRow.of(m) for m in conn.execute(
                select(_sig).where(_sig.c.merged_into.is_(None)).order_by(_sig.c.last_seen.desc()).limit(limit))
                .mappings()]
            return [(row, int(conn.execute(select(func.count()).select_from(_fail).where(
                _fail.c.signature_id.in_(_group(conn, row.id)))).scalar() or 0)) for row in roots]

    def merge_signatures(self, into: str, other: str) -> SignatureRow:
        """Group ``other`` (and what was merged into it) under ``into``'s group."""
        with self._write() as tx:
            for sid in (into, other):
                if tx.conn.execute(select(_sig.c.id).where(_sig.c.id == sid)).first() is None:
                    raise NotFoundError(f"no signature {sid}", hint="`shipmate memory list` shows them")
            root = _root(tx.conn, into)
            if _root(tx.conn, other) == root:
                raise InvalidInputError(f"{other} is already grouped with {into}",
                                        hint="`shipmate memory show` lists a group's signatures")
            tx.conn.execute(_sig.update().where(_sig.c.id == _root(tx.conn, other)).values(merged_into=root))
            return SignatureRow.of(tx.conn.execute(select(_sig).where(_sig.c.id == other)).mappings().one())

    def split_signature(self, signature_id: str) -> SignatureRow:
        """Take a signature out of the group it was merged into (what merged into it stays with it)."""
        with self._write() as tx:
            m = tx.conn.execute(select(_sig).where(_sig.c.id == signature_id)).mappings().first()
            if m is None:
                raise NotFoundError(f"no signature {signature_id}", hint="`shipmate memory list` shows them")
            if m["merged_into"] is None:
                raise InvalidInputError(f"{signature_id} is not merged into another signature",
                                        hint="split takes back a merge: pass the signature that was merged")
            tx.conn.execute(_sig.update().where(_sig.c.id == signature_id).values(merged_into=None))
            return SignatureRow.of(tx.conn.execute(select(_sig).where(_sig.c.id == signature_id)).mappings().one())

    def import_signatures(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert the signatures (from an export) not known yet, in one transaction; how many were new."""
        with self._write() as tx:
            ids = [row["id"] for row in rows]
            known = {str(i) for chunk in range(0, len(ids), 500)
                     for i in tx.conn.execute(select(_sig.c.id).where(_sig.c.id.in_(ids[chunk:chunk + 500]))).scalars()}
            fresh = list({row["id"]: {c.name: row.get(c.name) for c in _sig.columns}
                          for row in rows if row["id"] not in known}.values())
            if fresh:
                tx.conn.execute(_sig.insert(), fresh)
            return len(fresh)

    # -- known fixes -------------------------------------------------------------------------------

    def add_fix(self, *, symptom: str, root_cause: str, solution: str, prevention: str, source: str,
                created_by: str, signature_id: str | None = None, from_deployment_id: str | None = None,
                fix_id: str | None = None) -> tuple[FixRow, bool]:
        """(the fix, True when new); the same four texts again return the existing fix."""
        key = fix_key(symptom, root_cause, solution, prevention)
        with self._write() as tx:
            m = tx.conn.execute(select(_fix).where(_fix.c.content_key == key)).mappings().first()
            if m is not None:
                return FixRow.of(m), False
            new_id = fix_id or f"fix_{key[:12]}"
            tx.conn.execute(_fix.insert().values(
                id=new_id, content_key=key, signature_id=signature_id, symptom=symptom, root_cause=root_cause,
                solution=solution, prevention=prevention, source=source, from_deployment_id=from_deployment_id,
                created_by=created_by, created_at=time.time()))
            return FixRow.of(tx.conn.execute(select(_fix).where(_fix.c.id == new_id)).mappings().one()), True

    def ensure_fixes(self, fixes: Sequence[dict[str, Any]], *, source: str) -> int:
        """Insert the fixes (with their own ids) not stored yet, in one transaction; how many were new."""
        keyed = {fix_key(*(fix[name] for name in FIX_FIELDS)): fix for fix in fixes}
        with self._read() as conn:   # the common case (all there already) costs one read, no write lock
            keys = list(keyed)
            known = {str(k) for chunk in range(0, len(keys), 500) for k in conn.execute(
                select(_fix.c.content_key).where(_fix.c.content_key.in_(keys[chunk:chunk + 500]))).scalars()}
        if len(known) == len(keyed):
            return 0
        new = 0
        with self._write() as tx:
            for key, fix in keyed.items():
                if key in known or tx.conn.execute(select(_fix.c.id).where(_fix.c.id == fix["id"])).first():
                    continue
                tx.conn.execute(_fix.insert().values(
                    id=fix["id"], content_key=key, signature_id=fix.get("signature_id"),
                    **{name: fix[name] for name in FIX_FIELDS}, source=source,
                    from_deployment_id=fix.get("from_deployment_id"), created_by=fix.get("created_by", "shipmate"),
                    created_at=fix.get("created_at") or time.time()))
                new += 1
        return new

    def get_fixes(self, fix_ids: Sequence[str]) -> dict[str, FixRow]:
        with self._read() as conn:
            return {m["id"]: FixRow.of(m) for m in conn.execute(select(_fix).where(_fix.c.id.in_(list(fix_ids))))
                    .mappings()}

    def get_fix(self, fix_id: str) -> FixRow | None:
        with self._read() as conn:
            m = conn.execute(select(_fix).where(_fix.c.id == fix_id)).mappings().first()
            return None if m is None else FixRow.of(m)

    def fixes(self, *, signature_ids: Sequence[str] | None = None, from_deployment_id: str | None = None,
              limit: int = 500) -> list[FixRow]:
        stmt = select(_fix).order_by(_fix.c.created_at).limit(limit)
        if signature_ids is not None:
            stmt = stmt.where(_fix.c.signature_id.in_(list(signature_ids)))
        if from_deployment_id is not None:
            stmt = stmt.where(_fix.c.from_deployment_id == from_deployment_id)
        with self._read() as conn:
            return [FixRow.of(m) for m in conn.execute(stmt).mappings()]

    def fix_counts(self, fix_ids: Sequence[str]) -> dict[str, FixCount]:
        with self._read() as conn:
            rows = conn.execute(select(_out.c.fix_id, func.count(), func.sum(_out.c.worked.cast(Integer)))
                                .where(_out.c.fix_id.in_(list(fix_ids))).group_by(_out.c.fix_id)).all()
        counts = {str(fid): FixCount(int(worked or 0), int(tried)) for fid, tried, worked in rows}
        return {fid: counts.get(fid, FixCount(0, 0)) for fid in fix_ids}

    # -- deployment notes (`deploy --note`) --------------------------------------------------------

    def set_deployment_note(self, deployment_id: str, note: str) -> None:
        notes = schema.deployment_notes
        with self._write() as tx:
            tx.conn.execute(notes.delete().where(notes.c.deployment_id == deployment_id))
            tx.conn.execute(notes.insert().values(deployment_id=deployment_id, note=note, created_at=time.time()))

    def deployment_note(self, deployment_id: str) -> str | None:
        notes = schema.deployment_notes
        with self._read() as conn:
            found = conn.execute(select(notes.c.note).where(notes.c.deployment_id == deployment_id)).scalar()
            return None if found is None else str(found)

    # -- search and figures ------------------------------------------------------------------------

    def search_fixes(self, terms: Sequence[str], limit: int = 10) -> list[tuple[str, float]]:
        with self._read() as conn:
            return memory_search.search_fixes(conn, terms, limit)

    def search(self, terms: Sequence[str], limit: int = 10) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Fixes (with worked, tried, score; no content_key) and signatures (with score), best first."""
        with self._read() as conn:
            fixes, sigs = memory_search.search_rows(conn, terms, limit)
        for fix in fixes:
            fix.pop("content_key", None)
        return fixes, sigs

    def memory_stats(self) -> MemoryStats:
        with self._read() as conn:
            def count(stmt: Any) -> int:
                return int(conn.execute(stmt).scalar() or 0)
            failures = count(select(func.count()).select_from(_fail))
            matched = count(select(func.count()).select_from(_fail).where(
                func.json_array_length(_fail.c.shown_fix_ids) > 0))
            parent = {str(i): m for i, m in conn.execute(select(_sig.c.id, _sig.c.merged_into)).all()}
            groups = len({_root_in(parent, str(s)) for s in conn.execute(
                select(_fail.c.signature_id).distinct()).scalars()})
            tried = count(select(func.count()).select_from(_out))
            worked = count(select(func.count()).select_from(_out).where(_out.c.worked.is_(True)))
            return MemoryStats(failures=failures, signatures=groups, matched=matched,
                               hit_rate=round(matched / failures, 4) if failures else None,
                               fixes=count(select(func.count()).select_from(_fix)), worked=worked, tried=tried)
