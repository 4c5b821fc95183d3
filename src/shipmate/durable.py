"""Making a rename or a new file survive a power cut: the folder's own entry must reach the disk too."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """fsync a folder, so the names created or renamed in it are durable (a file's fsync alone is not enough)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
