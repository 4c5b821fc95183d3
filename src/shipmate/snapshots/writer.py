"""Write one release's snapshot: the artifact's files from the object store, everything else linked, the build.

The seal (``<key>.json``, written last, fsynced, renamed into place) is the commit point: a folder without its
seal is a snapshot a crash or a failed build interrupted, never a release's files, and is written again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from shipmate.bounded_run import run_bounded
from shipmate.durable import fsync_dir
from shipmate.errors import BuildFailedError, InvalidInputError, PrerequisiteMissingError, SpecError
from shipmate.snapshots import snapshots_root
from shipmate.snapshots.objects import ContentChangedError, ObjectStore
from shipmate.snapshots.tree import NEVER_LINKED, listed_files

BUILD_LINES = 8


@dataclass(frozen=True)
class Wanted:
    """What a snapshot holds: the artifact's files (path -> sha256 hex) and how the rest is linked and built."""

    service: str
    project: Path                       # target.cwd: the artifact's root
    artifact: str                       # "sha256:..." over ``files``
    files: Mapping[str, str]
    shared: Sequence[str] = ()
    build: Sequence[Sequence[str]] = ()
    build_timeout_s: float = 600.0
    build_env: Mapping[str, str] | None = None

    def key(self) -> str:
        given = json.dumps([self.artifact, str(self.project), list(self.shared), [list(b) for b in self.build]])
        return hashlib.sha256(given.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Written:
    path: Path
    reused: bool
    objects_added: int = 0
    bytes_added: int = 0


def seal_of(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".json")


def is_sealed(snapshot: Path) -> bool:
    return snapshot.is_dir() and seal_of(snapshot).is_file()


def write_snapshot(home: Path, wanted: Wanted, checkpoint: Callable[[str], None] = lambda name: None) -> Written:
    """The sealed snapshot for ``wanted`` (the same inputs reuse the sealed one). Raises SpecError for a shared
    path that is also in the artifact, BuildFailedError, PrerequisiteMissingError when the disk is full.

    ``checkpoint`` is called with "snapshot:filled" and "snapshot:built" (the engine's named crash points)."""
    root = snapshots_root(home)
    path = root / wanted.service / wanted.key()
    if is_sealed(path):
        return Written(path, reused=True)
    _check_shared(wanted)
    objects = ObjectStore(root / "objects")
    if path.exists():   # an unsealed leftover of a crash or a failed build: never someone's release
        shutil.rmtree(path)
    try:
        made = _fill(path, wanted, objects)
        checkpoint("snapshot:filled")
        _build(path, wanted)
        checkpoint("snapshot:built")
        _seal(path, wanted, made)
    except OSError as exc:
        _discard(path)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise PrerequisiteMissingError(f"no space left on the device while writing the snapshot under {root}",
                                      hint="free some space there (older snapshots go with `keep_releases`), "
                                           "or set target.snapshot: false") from exc
        raise PrerequisiteMissingError(f"cannot write the snapshot under {root}: {exc.strerror or exc}",
                                  hint="check the permissions of the state folder") from exc
    except ContentChangedError as exc:
        _discard(path)
        raise InvalidInputError(f"{exc.path} changed while the release was being snapshotted",
                                hint="run the deploy again once the files are saved") from exc
    except BaseException:
        _discard(path)
        raise
    return Written(path, reused=False, objects_added=objects.written, bytes_added=objects.bytes_written)


def _check_shared(wanted: Wanted) -> None:
    for index, shared in enumerate(wanted.shared):
        inside = [rel for rel in wanted.files if rel == shared or rel.startswith(shared + "/")]
        if inside:
            raise SpecError(f"{shared} is shared but also part of the release's files (e.g. {inside[0]})",
                            path=f"target.shared[{index}]",
                            hint="untrack it (git rm --cached) or add it to .gitignore, or drop it from shared")


def _fill(path: Path, wanted: Wanted, objects: ObjectStore) -> list[str]:
    """The artifact's files, the shared links, then links to everything else of the project; returns what the
    snapshot holds (files and links, as its seal lists them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir()
    base, project = str(path), str(wanted.project)
    made: set[str] = {""}
    dirs = [base]
    held: list[str] = []
    for rel, sha in wanted.files.items():
        _folders(base, rel.rpartition("/")[0], made, dirs)
        source, dest = f"{project}/{rel}", f"{base}/{rel}"
        seen = os.lstat(source)
        if stat.S_ISLNK(seen.st_mode):
            os.symlink(os.readlink(source), dest)
        else:
            objects.place(source, sha, dest, executable=bool(seen.st_mode & stat.S_IXUSR))
        held.append(rel)
    for shared in wanted.shared:
        if not _exists(wanted.project / shared):   # Capistrano's linked_dirs: made once, shared from then on
            (wanted.project / shared).mkdir(parents=True)
        held += _link(base, project, shared, made, dirs)
    artifact_dirs = {rel[:i] for rel in wanted.files for i, ch in enumerate(rel) if ch == "/"}
    held += _link_rest(base, wanted, "", artifact_dirs, made, dirs)
    _fsync_all(dirs)
    return held


def _folders(base: str, rel_dir: str, made: set[str], dirs: list[str]) -> None:
    if rel_dir in made:
        return
    _folders(base, rel_dir.rpartition("/")[0], made, dirs)
    os.mkdir(f"{base}/{rel_dir}")
    made.add(rel_dir)
    dirs.append(f"{base}/{rel_dir}")


def _fsync_all(dirs: list[str]) -> None:
    """Every new folder's entries to disk; in parallel, as each fsync waits for the journal on its own."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda d: fsync_dir(Path(d)), reversed(dirs)))


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _link(base: str, project: str, rel: str, made: set[str], dirs: list[str]) -> list[str]:
    dest = f"{base}/{rel}"
    if os.path.lexists(dest):
        return []
    _folders(base, rel.rpartition("/")[0], made, dirs)
    os.symlink(f"{project}/{rel}", dest)
    return [rel]


def _link_rest(base: str, wanted: Wanted, rel_dir: str, artifact_dirs: set[str], made: set[str],
               dirs: list[str]) -> list[str]:
    """Link whatever is not part of the artifact (data, .venv, logs, ignored files) where it lies: an app that
    writes data/app.db relative to its cwd writes into the project, as it always did."""
    held: list[str] = []
    project = str(wanted.project)
    with os.scandir(f"{project}/{rel_dir}" if rel_dir else project) as entries:
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.name in NEVER_LINKED or rel in wanted.files or rel in wanted.shared:
                continue
            if rel in artifact_dirs and entry.is_dir(follow_symlinks=False):
                held += _link_rest(base, wanted, rel, artifact_dirs, made, dirs)
            else:
                held += _link(base, project, rel, made, dirs)
    return held


def _build(path: Path, wanted: Wanted) -> None:
    deadline = time.monotonic() + wanted.build_timeout_s
    env = dict(wanted.build_env if wanted.build_env is not None else os.environ)
    for argv in wanted.build:
        left = deadline - time.monotonic()
        done = run_bounded(argv, cwd=path, env=env, timeout=max(left, 0.1))
        lines = [line for line in done.output.decode("utf-8", "replace").splitlines() if line.strip()]
        last = lines[-BUILD_LINES:]
        shown = " ".join(argv)
        if done.start_error is not None:
            why = f"could not start: {done.start_error.strerror or done.start_error}"
        elif done.timed_out:
            why = f"was still running after {wanted.build_timeout_s:g}s (target.build_timeout) and was killed"
        elif done.returncode != 0:
            why = f"exited with code {done.returncode}"
        else:
            continue
        raise BuildFailedError(f"build step `{shown}` {why}" + (f"; its last output: {' | '.join(last)}"
                                                                if last else ""),
                               hint="fix the build (it runs inside the new release's snapshot); nothing was "
                                    "deployed and the serving release is untouched",
                               details={"build": {"argv": list(argv), "last_lines": last}})


def _seal(path: Path, wanted: Wanted, held: list[str]) -> None:
    seal = seal_of(path)
    tmp = seal.with_name(f".{seal.name}.{uuid.uuid4().hex[:8]}")
    # A build may have added files: then what the folder holds is walked; else it is what _fill made.
    files = listed_files(path) if wanted.build else sorted(rel for rel in held if not rel.endswith(".pyc"))
    body = {"artifact": wanted.artifact, "project": str(wanted.project), "sealed_at": time.time(),
            "files": files}
    with tmp.open("w") as fh:
        json.dump(body, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, seal)
    fsync_dir(seal.parent)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(path)
