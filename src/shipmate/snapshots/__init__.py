"""Process releases as bytes: a content-addressed object store and one snapshot folder per release.

Layout under the state home::

    snapshots/objects/ab/<sha256>[.x]     one file per content (.x: executable), written once, never changed
    snapshots/<service>/<key>/            a release's files: hard links to objects, links to shared paths
    snapshots/<service>/<key>.json        its seal: the files the snapshot held when it was sealed
    snapshots/tmp/<pid>-<random>/         a snapshot being written; renamed into place only when complete

File I/O only: what a snapshot means for a release is recorded by ops/engine through the store.
"""

from __future__ import annotations

from pathlib import Path

ROOT = "snapshots"
SNAPSHOT_DIR = "snapshot_dir"   # the release's target_settings key its snapshot folder is recorded under


def snapshots_root(home: Path) -> Path:
    return home / ROOT
