"""Reads the last lines of a log and its rotated backups without reading whole files."""

from __future__ import annotations

import os

BLOCK_BYTES = 64 * 1024


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
            handle.seek(0, os.SEEK_END)
            position = handle.tell()
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
    except FileNotFoundError:
        return []  # rotated away between listing and reading
    text = b"".join(reversed(chunks)).decode("utf-8", errors="replace")
    return text.splitlines()[-lines:]


def tail_logs(log_path: str, lines: int) -> list[str]:
    """Last ``lines`` lines across the log and its backups, oldest first."""
    collected: list[str] = []
    for path in rotated_files(log_path):
        wanted = lines - len(collected)
        if wanted <= 0:
            break
        collected = tail_file(path, wanted) + collected
    return collected
