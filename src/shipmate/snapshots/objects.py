"""The content-addressed object store: each distinct file content once, hard-linked into every snapshot.

An object is written to a temporary name, hashed while it is copied, fsynced and renamed to its sha256, so
a crash leaves either no object or a whole one. Objects are made read-only: the bytes of a release must not
change under it. An object whose link count fell to 1 belongs to no snapshot any more (collect_garbage).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path

from shipmate.durable import fsync_dir

CHUNK = 1 << 20
YOUNG_S = 3600.0   # a temporary object this young may be one another deploy is writing now
# A hard link is impossible here (another filesystem, too many links, a filesystem without them): copy instead.
NO_LINK = frozenset({errno.EXDEV, errno.EMLINK, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP})


class ContentChangedError(Exception):
    """A file's bytes are not the ones hashed moments ago: it changed while the deploy was running."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class ObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.written = 0          # objects this store added (new content), for the deploy's figures
        self.bytes_written = 0
        self.copied = 0           # snapshot files copied because a hard link was impossible

    def path_of(self, sha_hex: str, executable: bool) -> str:
        return f"{self.root}/{sha_hex[:2]}/{sha_hex}{'.x' if executable else ''}"

    def place(self, source: str, sha_hex: str, dest: str, *, executable: bool) -> None:
        """Make ``dest`` hold the content ``sha_hex`` of ``source``: a link to the object, adding it first
        when it is new. Raises ContentChangedError when ``source`` no longer has that content, OSError (ENOSPC...).
        (Plain string paths: this runs once per file of a 10,000-file release.)"""
        obj = self.path_of(sha_hex, executable)
        for first in (True, False):
            try:
                os.link(obj, dest)
                return
            except FileNotFoundError:
                if not first:
                    raise
                self._add(Path(source), sha_hex, Path(obj))   # new content: stored once, then linked
            except OSError as exc:
                if exc.errno not in NO_LINK:
                    raise
                if not os.path.exists(obj):
                    self._add(Path(source), sha_hex, Path(obj))
                shutil.copy2(obj, dest)
                self.copied += 1
                return

    def _add(self, source: Path, sha_hex: str, obj: Path) -> None:
        obj.parent.mkdir(parents=True, exist_ok=True)
        tmp = obj.parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        h = hashlib.sha256()
        size = 0
        try:
            with source.open("rb") as src, tmp.open("wb") as out:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != sha_hex:
                raise ContentChangedError(source)
            mode = 0o555 if obj.suffix == ".x" else 0o444
            os.chmod(tmp, mode)
            os.replace(tmp, obj)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        fsync_dir(obj.parent)
        self.written += 1
        self.bytes_written += size

    def collect_garbage(self) -> int:
        """Remove objects no snapshot links to any more (link count 1); returns how many went."""
        removed = 0
        if not self.root.is_dir():
            return 0
        old = time.time() - YOUNG_S
        for shard in self.root.iterdir():
            if not shard.is_dir():
                continue
            for obj in shard.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    seen = obj.stat()
                    writing = obj.name.startswith(".tmp-") and seen.st_mtime > old   # another deploy's
                    if seen.st_nlink <= 1 and not writing:
                        obj.unlink()
                        removed += 1
        return removed
