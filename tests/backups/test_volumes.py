"""Docker volumes, read and restored at their mount point (needs a Docker engine; skips without one)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from shipmate.ops.backups import backup_create, backup_restore
from tests.backups.conftest import DataProject


def test_a_volume_is_archived_and_restored_in_place(data_project: DataProject, docker_engine: Any) -> None:
    name = f"shipmate-test-{uuid.uuid4().hex[:8]}"
    volume = docker_engine.volumes.create(name=name, labels={"shipmate.test": "1"})
    try:
        mount = Path(volume.attrs["Mountpoint"])
        (mount / "orders.json").write_text('{"orders": 3}\n')
        (mount / "nested").mkdir()
        (mount / "nested" / "blob.bin").write_bytes(b"\x00" * 4096)
        data_project.write_spec(f"  paths: [{{volume: {name}}}, app.conf]")
        made = backup_create(data_project.spec)
        assert made["files"] == 3 and made["sources"][0]["kind"] == "volume"
        inode = mount.stat().st_ino
        (mount / "orders.json").write_text('{"orders": 0}\n')
        (mount / "junk.txt").write_text("after the backup\n")
        out = backup_restore(data_project.spec, made["backup_id"])
        assert (mount / "orders.json").read_text() == '{"orders": 3}\n'
        assert not (mount / "junk.txt").exists() and (mount / "nested" / "blob.bin").stat().st_size == 4096
        assert mount.stat().st_ino == inode     # the mount point itself stays: a container holding it sees the data
        kept = Path(next(a["aside"] for a in out["kept_aside"] if a["target"] == name))
        assert (kept / "junk.txt").is_file()
    finally:
        for leftover in Path(volume.attrs["Mountpoint"]).parent.glob("_data.shipmate-*"):
            import shutil

            shutil.rmtree(leftover, ignore_errors=True)
        volume.remove(force=True)


def test_an_unknown_volume_is_a_spec_error_naming_its_key(data_project: DataProject, docker_engine: Any) -> None:
    import pytest

    from shipmate.errors import SpecError

    data_project.write_spec("  paths: [app.conf, {volume: shipmate-no-such-volume}]")
    with pytest.raises(SpecError) as caught:
        backup_create(data_project.spec, dry_run=True)
    assert caught.value.path == "backup.paths[1]" and "no Docker volume" in caught.value.message
