"""Follows a log file as it grows, across the log pump's rotations (PATH renamed to PATH.1, a new PATH).

Polled, not watched (no inotify): one read per file per tick is cheap, and it works on every filesystem.
"""

from __future__ import annotations

import os
from typing import IO

from shipmate.targets.log_tail import rotated_files, tail_before, tail_file, tail_logs

READ_BYTES = 256 * 1024


class FileFollower:
    """The lines appended to ``path`` since this follower started (``from_start``: since the file began),
    after the ``tail`` lines written before it started: one read position, so none is lost or repeated."""

    def __init__(self, path: str, *, tail: int = 0, from_start: bool = False) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._partial = b""
        self._open(seek_end=not from_start)
        self._pending = self._tail(tail) if tail > 0 and not from_start else []

    def _tail(self, lines: int) -> list[str]:
        """The last ``lines`` complete lines before the read position, backups included; a partial last
        line is kept to be completed by the next read."""
        if self._file is None:
            return tail_logs(self.path, lines)
        end = self._file.tell()
        found = tail_before(self._file, end, lines + 1)
        self._file.seek(max(end - 1, 0))
        if end > 0 and self._file.read(1) != b"\n" and found:
            self._partial = found.pop().encode()
        found = found[-lines:]
        for backup in rotated_files(self.path)[1:]:
            if len(found) >= lines:
                break
            found = tail_file(backup, lines - len(found)) + found
        self._file.seek(end)
        return found

    def _open(self, *, seek_end: bool) -> None:
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - kept open between ticks, closed in close()
        except FileNotFoundError:
            self._file = None   # not written yet, or between a rename and the new file: next tick
            return
        if seek_end:
            self._file.seek(0, os.SEEK_END)

    def read_new(self) -> list[str]:
        """Complete lines written since the last call, in order: after a rotation the old file's rest, then
        any backups written in between (a slow tick may miss several rotations), then the new file."""
        lines, self._pending = self._pending, []
        if self._file is None:
            self._open(seek_end=False)   # created after we started: everything in it is new
            if self._file is None:
                return lines
        lines += self._drain()
        if not self._rotated():
            return lines
        lines += self._drain()           # written to the old file between our last read and the rename
        self._flush_partial(lines)
        for between in self._written_since_rotation():
            lines += self._whole(between)
        self._file.close()
        self._open(seek_end=False)
        if self._file is not None:
            lines += self._drain()
        return lines

    def _drain(self) -> list[str]:
        assert self._file is not None
        data = self._partial
        while chunk := self._file.read(READ_BYTES):
            data += chunk
        *complete, self._partial = data.split(b"\n")
        return [line.decode("utf-8", errors="replace") for line in complete]

    def _whole(self, path: str) -> list[str]:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return []
        return [line.decode("utf-8", errors="replace") for line in data.splitlines()]

    def _flush_partial(self, lines: list[str]) -> None:
        if self._partial:
            lines.append(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""

    def _written_since_rotation(self) -> list[str]:
        """Backups newer than the file we read (PATH.1 when we hold PATH.3), oldest first."""
        assert self._file is not None
        ours = os.fstat(self._file.fileno()).st_ino
        index = 1
        while os.path.exists(f"{self.path}.{index}"):
            try:
                if os.stat(f"{self.path}.{index}").st_ino == ours:
                    return [f"{self.path}.{k}" for k in range(index - 1, 0, -1)]
            except FileNotFoundError:
                break
            index += 1
        return []   # ours was deleted (more rotations than backups): what was in between is gone too

    def _rotated(self) -> bool:
        assert self._file is not None
        try:
            return os.stat(self.path).st_ino != os.fstat(self._file.fileno()).st_ino
        except FileNotFoundError:
            return False   # renamed, the new file not created yet: keep reading the old one

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
