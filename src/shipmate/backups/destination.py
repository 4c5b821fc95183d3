"""Where archives go: a local folder (default <state home>/backups) or any fsspec URL.

Local: written under a temp name in the destination folder itself, fsynced, renamed, the folder fsynced: a kill
at any instant leaves the final name absent or complete. Remote: the archive is finished locally first, then
uploaded under a temp name and moved (as atomic as the remote store allows).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psutil

from shipmate.durable import fsync_dir
from shipmate.errors import PrerequisiteMissingError

PART_MARK = ".part-"


def temp_name(final: str) -> str:
    """``.<final>.part-<pid>-<random>``: hidden, never matching an archive name, its writer's pid inside."""
    return f".{final}{PART_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _stale_part(name: str) -> bool:
    """A temp file whose writer is gone (killed mid-backup): safe to remove."""
    if not name.startswith(".") or PART_MARK not in name:
        return False
    pid_text = name.rsplit(PART_MARK, 1)[1].split("-", 1)[0]
    return not (pid_text.isdigit() and psutil.pid_exists(int(pid_text)))


class Destination:
    """A local folder; subclassed for fsspec file systems."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root
        self.url = url or str(root)

    def describe(self) -> str:
        return self.url

    def ensure(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrerequisiteMissingError(f"cannot create the backup destination {self.root}: {exc.strerror}",
                                           hint="fix backup.destination or its permissions") from exc

    @contextlib.contextmanager
    def writing(self, final: str, staging: Path) -> Iterator[IO[bytes]]:
        """A file to write the archive into; on a clean exit it is fsynced and appears as ``final``."""
        self.ensure()
        part = self.root / temp_name(final)
        try:
            with part.open("xb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(part, self.root / final)
            fsync_dir(self.root)
        finally:
            part.unlink(missing_ok=True)

    def write_small(self, final: str, data: bytes) -> None:
        part = self.root / temp_name(final)
        with part.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, self.root / final)
        fsync_dir(self.root)

    def names(self) -> list[str]:
        try:
            return sorted(entry.name for entry in self.root.iterdir())
        except FileNotFoundError:
            return []

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[IO[bytes]]:
        with (self.root / name).open("rb") as handle:
            yield handle

    def read_small(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def remove_stale_parts(self) -> list[str]:
        stale = [name for name in self.names() if _stale_part(name)]
        for name in stale:
            self.remove(name)
        return stale


class FsspecDestination(Destination):
    """Any fsspec file system that is not local (s3://, memory://, ...)."""

    def __init__(self, fs: Any, root: str, url: str) -> None:
        super().__init__(Path(root), url)
        self.fs, self.path = fs, root.rstrip("/")

    def ensure(self) -> None:
        try:
            self.fs.makedirs(self.path, exist_ok=True)
        except Exception as exc:   # each backend raises its own errors
            raise PrerequisiteMissingError(f"cannot reach the backup destination {self.url}: {exc}",
                                           hint="check the URL and its credentials") from exc

    @contextlib.contextmanager
    def writing(self, final: str, staging: Path) -> Iterator[IO[bytes]]:
        self.ensure()
        staging.mkdir(parents=True, exist_ok=True)
        local = staging / temp_name(final)
        remote_part = f"{self.path}/{temp_name(final)}"
        try:
            with local.open("xb") as handle:
                yield handle
            self.fs.put_file(str(local), remote_part)
            self.fs.mv(remote_part, f"{self.path}/{final}")
        finally:
            local.unlink(missing_ok=True)
            with contextlib.suppress(Exception):
                if self.fs.exists(remote_part):
                    self.fs.rm(remote_part)

    def write_small(self, final: str, data: bytes) -> None:
        remote_part = f"{self.path}/{temp_name(final)}"
        self.fs.pipe_file(remote_part, data)
        self.fs.mv(remote_part, f"{self.path}/{final}")

    def names(self) -> list[str]:
        try:
            return sorted(str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in self.fs.ls(self.path, detail=False))
        except FileNotFoundError:
            return []

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[IO[bytes]]:
        with self.fs.open(f"{self.path}/{name}", "rb") as handle:
            yield handle

    def read_small(self, name: str) -> bytes | None:
        try:
            data: bytes = self.fs.cat_file(f"{self.path}/{name}")
            return data
        except FileNotFoundError:
            return None

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(f"{self.path}/{name}")


def destination_for(configured: str | None, base_dir: Path, home: Path) -> Destination:
    """None: <home>/backups; a plain path: relative to the spec's folder; a URL: through fsspec."""
    if configured is None:
        return Destination(home / "backups")
    if "://" not in configured:
        return Destination((base_dir / configured).absolute())
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]
        from fsspec.implementations.local import LocalFileSystem  # type: ignore[import-untyped]

        fs, path = url_to_fs(configured)
    except (ImportError, ValueError) as exc:
        raise PrerequisiteMissingError(f"cannot use the backup destination {configured}: {exc}",
                                       hint="a folder, file:///path, or an fsspec URL whose package is installed "
                                       "(s3:// needs s3fs)") from exc
    if isinstance(fs, LocalFileSystem):
        return Destination(Path(path), configured)
    return FsspecDestination(fs, path, configured)
