"""Group commit for events: callers appending at once share one durable transaction.

A durable commit costs an fsync (SQLite in WAL with synchronous=FULL, PostgreSQL's WAL flush); callers that
arrive while one is in flight queue up, and the next transaction commits all of them, then the JSONL mirror
once. Each caller still returns only after its own event committed and is in the mirror (or raises its
error). One caller at a time leads (writes a batch); once its batch committed it hands the lead to the oldest
waiter and only then catches the mirror up, so the next batch's commit (its fsync) overlaps this mirror's fsync
(the mirror's flock keeps its lines in seq order: a later sync writes the earlier batch's lines too). A batch
that fails is retried one event at a time, so one bad event fails only its own caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from shipmate.store import events
from shipmate.store.rows import EventRow

MAX_BATCH = 256   # bounds one transaction's size and the time its leader spends on others' events


class _Request:
    __slots__ = ("done", "error", "fields", "lead", "row")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.done = threading.Event()
        self.lead = False
        self.row: EventRow | None = None
        self.error: BaseException | None = None


class GroupCommitter:
    def __init__(self, write: Callable[[], AbstractContextManager[Connection]],
                 mirror: Callable[[Sequence[EventRow]], None]) -> None:
        """``write``: a write transaction (Database.write); ``mirror``: catches the JSONL file up after a commit."""
        self._write = write
        self._mirror = mirror
        self._mutex = threading.Lock()
        self._queue: list[_Request] = []
        self._leading = False

    def append(self, fields: dict[str, Any]) -> EventRow:
        """Append one event (events.append's keywords); returns once it is committed."""
        me = _Request(fields)
        with self._mutex:
            self._queue.append(me)
            lead = not self._leading
            self._leading = True
        if not lead:
            me.done.wait()
            if me.lead:   # handed the lead: write the batch that queued behind the last one (ours included)
                self._lead()
        else:
            self._lead()
        if me.error is not None:
            raise me.error
        assert me.row is not None
        return me.row

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            self._commit(batch)
        except BaseException as exc:   # an interruption (Ctrl-C, SIGTERM) delivered once the transaction ended
            for request in batch:
                if request.row is None and request.error is None:
                    request.error = exc
            self._hand_off()
            self._release(batch)
            raise
        self._hand_off()   # the next batch commits while this one's mirror lines are written
        try:
            self._mirror([request.row for request in batch if request.row is not None])
        finally:
            self._release(batch)

    def _hand_off(self) -> None:
        with self._mutex:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.done.set()
            else:
                self._leading = False

    @staticmethod
    def _release(batch: list[_Request]) -> None:
        for request in batch:
            request.done.set()

    def _commit(self, batch: list[_Request]) -> None:
        try:
            self._write_batch(batch)
        except Exception as exc:
            for request in batch:
                request.row = None
            if len(batch) == 1:
                batch[0].error = exc
                return
            for request in batch:   # nothing of the batch committed: each on its own, each its own outcome
                try:
                    self._write_batch([request])
                except Exception as single:
                    request.row = None
                    request.error = single

    def _write_batch(self, batch: list[_Request]) -> None:
        with self._write() as conn:
            rows = events.append_many(conn, [request.fields for request in batch])
            # Set as the body ends: an interruption raised after the commit leaves them set (they did commit).
            for request, row in zip(batch, rows, strict=True):
                request.row = row
