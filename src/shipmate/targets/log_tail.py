"""Reads the last lines of a log and its rotated backups without reading whole files."""

from __future__ import annotations

import os
import re
from typing import IO

from shipmate.targets.base import LastOutput
from shipmate.targets.log_pump import EXIT_LINE_PREFIX

BLOCK_BYTES = 64 * 1024
NOTE_PREFIX = "[shipmate] "  # the pump's own lines, as opposed to what the app printed
SCAN_LINES = 200
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")


def rotated_files(log_path: str) -> list[str]:
    """The log and its backups, newest first (PATH, PATH.1, PATH.2 ...), as RotatingFileHandler names them."""
    files = [log_path] if os.path.exists(log_path) else []
    index = 1
    while os.path.exists(f"{log_path}.{index}"):
        files.append(f"{log_path}.{index}")
        index += 1
    return files


def tail_file(path: str, lines: int) -> list[str]:
    """Last ``lines`` lines of one file, reading blocks backwards from its end."""
    if lines <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            return tail_before(handle, handle.seek(0, os.SEEK_END), lines)
    except FileNotFoundError:
        return []  # rotated away between listing and reading


def tail_before(handle: IO[bytes], end: int, lines: int) -> list[str]:
    """Last ``lines`` lines of an open file before byte ``end`` (its read position is moved)."""
    position = end
    chunks: list[bytes] = []
    newlines = 0
    # One newline more than wanted proves the earliest kept line is complete.
    while position > 0 and newlines <= lines:
        step = min(BLOCK_BYTES, position)
        position -= step
        handle.seek(position)
        chunk = handle.read(step)
        chunks.append(chunk)
        newlines += chunk.count(b"\n")
    text = b"".join(reversed(chunks)).decode("utf-8", errors="replace")
    return text.splitlines()[-lines:] if lines > 0 else []


def tail_logs(log_path: str, lines: int) -> list[str]:
    """Last ``lines`` lines across the log and its backups, oldest first."""
    collected: list[str] = []
    for path in rotated_files(log_path):
        wanted = lines - len(collected)
        if wanted <= 0:
            break
        collected = tail_file(path, wanted) + collected
    return collected


def last_output(log_path: str, lines: int) -> LastOutput:
    """The app's last ``lines`` non-empty lines (timestamps cut off) and the pump's exit note, if any."""
    said: list[str] = []
    notes: list[str] = []
    exit_status: str | None = None
    for raw in tail_logs(log_path, SCAN_LINES):
        text = _STAMP.sub("", raw, count=1).rstrip()
        if text.startswith(EXIT_LINE_PREFIX):
            exit_status = "exited with code" + text[len(EXIT_LINE_PREFIX):]
        elif text.startswith(NOTE_PREFIX):
            notes.append(text[len(NOTE_PREFIX):])
        elif text.strip():
            said.append(text)
    return LastOutput(lines=(said or notes)[-lines:] if lines > 0 else [], exit_status=exit_status)
