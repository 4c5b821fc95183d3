"""The JSONL audit mirror <home>/events/deployment.jsonl: one line per event, in seq order.

The database is the source of truth; the file is caught up *from* it after each commit and on
every writable open, under an exclusive flock, so concurrent writers keep lines in seq order,
a crash between commit and append loses nothing, and a line torn by a crash is cut off first.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipmate.durable import fsync_dir
from shipmate.errors import StoreError
from shipmate.store.events import canonical_json
from shipmate.store.rows import EventRow

MIRROR_RELATIVE = Path("events") / "deployment.jsonl"
LOCK_WAIT_S = 5.0   # normal holders keep the lock for one append + fsync (milliseconds)

# Fetches the DB events with seq greater than the argument, ascending.
EventsAfter = Callable[[int], Sequence[EventRow]]


def encode(event: EventRow) -> bytes:
    return (canonical_json(event.mirror_line()) + "\n").encode()


class AuditMirror:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Threads of this process queue here rather than polling the flock (a 20 ms nap each time they meet).
        self._threads = threading.Lock()

    def sync(self, events_after: EventsAfter, fresh: Sequence[EventRow] = ()) -> int:
        """Append every event the file lacks; `fresh` (just committed) avoids a DB read when it fits.

        If another process keeps the file locked past LOCK_WAIT_S (a frozen, SIGSTOPped writer), the
        sync is skipped: the events are safe in the database and the next sync writes them.
        """
        if not self._threads.acquire(timeout=LOCK_WAIT_S):
            return 0   # a thread of ours waits on a frozen holder: the same skip as below
        try:
            return self._sync_locked(events_after, fresh)
        finally:
            self._threads.release()

    def _sync_locked(self, events_after: EventsAfter, fresh: Sequence[EventRow]) -> int:
        with self._locked() as fd:
            if fd is None:
                return 0
            last = self._repair_and_last_seq(fd)
            todo: Sequence[EventRow] = fresh
            if not fresh or fresh[0].seq != last + 1:
                todo = events_after(last)
            todo = [e for e in todo if e.seq > last]
            if todo:
                os.write(fd, b"".join(encode(e) for e in todo))
                os.fsync(fd)
            return len(todo)

    def compare(self, events_after: EventsAfter) -> tuple[bool, str]:
        """(ok, one-line explanation): every DB event appears once, in order, identical."""
        db_events = list(events_after(0))
        count = 0
        for number, line in self.lines():
            where = f"{self.path}:{number}"
            if line is None:
                return False, f"{where} is not valid JSON"
            if count >= len(db_events):
                return False, f"{where} has seq {line.get('seq')}, which the database lacks"
            expected = db_events[count]
            if encode(expected) != (canonical_json(line) + "\n").encode():
                return False, f"{where} (seq {line.get('seq')}) differs from database seq {expected.seq}"
            count += 1
        if count < len(db_events):
            return False, (f"{self.path} has {count} lines but the database has {len(db_events)} "
                           f"events (first missing seq {db_events[count].seq})")
        return True, f"{self.path} matches the database ({count} events)"

    def lines(self) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """(line number, parsed line or None when unparsable) for every line in the file."""
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    yield number, json.loads(raw)
                except ValueError:
                    yield number, None

    @contextmanager
    def _locked(self) -> Iterator[int | None]:
        try:
            new_dir = not self.path.parent.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if new_dir:
                fsync_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot open audit file {self.path}: {exc.strerror}",
                             hint="check the permissions of the .shipmate directory") from exc
        try:
            yield fd if _lock_within(fd, LOCK_WAIT_S) else None
        finally:
            os.close(fd)  # closing drops the flock

    def _repair_and_last_seq(self, fd: int) -> int:
        """Cut a torn last line (crash mid-write), then read the last line's seq from the end."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        tail, start = _read_tail(fd, size)
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            keep = start + cut + 1 if cut >= 0 else 0
            os.ftruncate(fd, keep)
            os.fsync(fd)
            if keep == 0:
                return 0
            tail, start = _read_tail(fd, keep)
        last_line = tail[:-1].rsplit(b"\n", 1)[-1]
        try:
            return int(json.loads(last_line)["seq"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"audit file {self.path} ends with a line that is not an event",
                             hint="move the file aside; it is rebuilt from the database") from exc


def _lock_within(fd: int, seconds: float) -> bool:
    """flock(LOCK_EX), but give up after ``seconds``: a frozen holder must not hang every command."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _read_tail(fd: int, size: int) -> tuple[bytes, int]:
    """The bytes from the start of the last complete-or-torn line's predecessor to `size`."""
    chunk = 4096
    start = size
    data = b""
    # Grow backwards until the buffer holds a newline before its final byte (a whole last line).
    while start > 0:
        start = max(0, start - chunk)
        data = os.pread(fd, size - start, start)
        if b"\n" in data[:-1]:
            break
        chunk *= 2
    return data, start

