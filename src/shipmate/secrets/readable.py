"""World-readable copies of secret versions, for containers: a bind-mounted file keeps its owner and mode, so
an image whose USER is not shipmate's user could not read the 0600 original. The copy is mode 0444 (as Docker's
own secrets are) inside a 0700 folder, so on the host it is as private as the original."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

FOLDER = ".readable"        # <home>/secrets/.readable/NAME/vN; the leading dot keeps it out of secret names


def copy_path(secrets_root: Path, name: str, version_file: str) -> Path:
    return secrets_root / FOLDER / name / version_file


def readable_copy(original: Path) -> Path:
    """The 0444 copy of ``original`` (<home>/secrets/NAME/vN), written once, atomically; its path."""
    name, version_file, root = original.parent.name, original.name, original.parent.parent
    copy = copy_path(root, name, version_file)
    if copy.is_file():
        return copy
    for folder in (root / FOLDER, copy.parent):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    partial = copy.with_name(f".{version_file}.{uuid.uuid4().hex[:8]}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(original.read_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o444)
        os.replace(partial, copy)          # two starts at once: both write, one wins, same bytes
    finally:
        partial.unlink(missing_ok=True)
    return copy


def drop_copy(secrets_root: Path, name: str, version_file: str) -> None:
    copy_path(secrets_root, name, version_file).unlink(missing_ok=True)


def drop_copies(secrets_root: Path, name: str) -> None:
    shutil.rmtree(secrets_root / FOLDER / name, ignore_errors=True)
