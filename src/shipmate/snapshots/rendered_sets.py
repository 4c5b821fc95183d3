"""A files release's rendered set, kept as a snapshot so `rollback` can put exactly those bytes back.

Same layout and object store as process snapshots (snapshots/__init__.py): ``snapshots/<service>/files-<key>/``
holds hard links to the objects, its seal lists the files. The key is the hash of (name, sha256) pairs, so two
releases that render the same bytes share one snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from shipmate.durable import fsync_dir
from shipmate.errors import NotFoundError
from shipmate.snapshots import snapshots_root
from shipmate.snapshots.objects import ObjectStore
from shipmate.snapshots.retention import Pruned, prune_snapshots
from shipmate.snapshots.writer import is_sealed, seal_of

PREFIX = "files-"


def set_key(files: dict[str, bytes]) -> str:
    pairs = sorted((name, hashlib.sha256(data).hexdigest()) for name, data in files.items())
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]


def set_folder(home: Path, service: str, key: str) -> Path:
    return snapshots_root(home) / service / f"{PREFIX}{key}"


def save_set(home: Path, service: str, files: dict[str, bytes]) -> str:
    """Keep ``files`` (name -> bytes) as a sealed snapshot; returns its key. Written once: a crash leaves none."""
    key = set_key(files)
    final = set_folder(home, service, key)
    if is_sealed(final):
        return key
    root = snapshots_root(home)
    tmp = root / "tmp" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    objects = ObjectStore(root / "objects")
    try:
        stage = tmp / ".stage"
        shas: dict[str, str] = {}
        for name, data in sorted(files.items()):
            shas[name] = hashlib.sha256(data).hexdigest()
            if not os.path.exists(objects.path_of(shas[name], False)):
                stage.write_bytes(data)   # new content: place() stores it once; known content is only linked
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            objects.place(str(stage), shas[name], str(tmp / name), executable=False)
        stage.unlink(missing_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():            # an unsealed leftover of a killed save: replace it
            shutil.rmtree(final)
        os.replace(tmp, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    seal = seal_of(final)
    body = {"files": sorted(files), "sha256": shas, "sealed_at": time.time(), "kind": "files"}
    tmp_seal = seal.with_name(f".{seal.name}.{uuid.uuid4().hex[:8]}")
    tmp_seal.write_text(json.dumps(body))
    os.replace(tmp_seal, seal)
    fsync_dir(seal.parent)
    return key


def load_set(home: Path, service: str, key: str) -> dict[str, bytes]:
    """The bytes of a kept set; NotFoundError when it was pruned or never sealed."""
    folder = set_folder(home, service, key)
    if not is_sealed(folder):
        raise NotFoundError(f"the rendered files of that release ({folder}) are no longer kept",
                            hint="deploy that version again instead (target.keep sets how many sets are kept)")
    names = json.loads(seal_of(folder).read_text())["files"]
    return {name: (folder / name).read_bytes() for name in names}


def prune_sets(home: Path, service: str, keep_keys: set[str]) -> Pruned:
    return prune_snapshots(home, service, {set_folder(home, service, key) for key in keep_keys})
