"""Create and restore real backups of real files, folders and a SQLite database, in-process through ops."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import zstandard

from shipmate.backups.plan import MANIFEST_SUFFIX
from shipmate.errors import BackupCorruptError, NotFoundError
from shipmate.ops.backups import backup_create, backup_list, backup_prune, backup_restore
from tests.backups.conftest import DataProject


def _archive(project: DataProject, result: dict) -> Path:  # type: ignore[type-arg]
    return Path(result["destination"]) / result["archive"]["name"]


def test_an_archive_holds_every_file_with_its_sha256_inside_and_beside(data_project: DataProject) -> None:
    result = backup_create(data_project.spec)
    path = _archive(data_project, result)
    assert path.is_file() and result["files"] == 4
    beside = json.loads(Path(str(path) + MANIFEST_SUFFIX).read_text())
    with path.open("rb") as raw, tarfile.open(fileobj=zstandard.ZstdDecompressor().stream_reader(raw),
                                               mode="r|") as tar:
        names = [m.name for m in tar]
    assert names[0] == "sources.json" and names[-1] == "manifest.json"
    assert sorted(names[1:-1]) == ["0/a.txt", "0/sub/b.bin", "1/app.conf", "2/app.db"]
    assert {f["name"] for f in beside["files"]} == set(names[1:-1])
    assert all(len(f["sha256"]) == 64 for f in beside["files"])
    assert beside["archive"]["sha256"] == result["archive"]["sha256"]


def test_a_restore_puts_back_files_folders_and_the_database(data_project: DataProject) -> None:
    backup_id = backup_create(data_project.spec)["backup_id"]
    root = data_project.root
    (root / "data" / "a.txt").write_text("changed\n")
    (root / "data" / "new.txt").write_text("added after the backup\n")
    (root / "app.conf").write_text("mode = broken\n")
    import sqlite3

    with sqlite3.connect(root / "app.db") as conn:
        conn.execute("DELETE FROM t")
    out = backup_restore(data_project.spec, backup_id)
    assert (root / "data" / "a.txt").read_text() == "alpha\n"
    assert not (root / "data" / "new.txt").exists()
    assert (root / "app.conf").read_text() == "mode = production\n"
    assert data_project.rows() == 500
    # Never deployed: health cannot be confirmed, so the replaced copies stay aside, and say where.
    assert out["health"]["healthy"] is False and len(out["kept_aside"]) == 3
    kept = {Path(a["aside"]).name for a in out["kept_aside"]}
    assert kept == {f"data.shipmate-replaced-{backup_id}", f"app.conf.shipmate-replaced-{backup_id}",
                    f"app.db.shipmate-replaced-{backup_id}"}
    assert (root / f"data.shipmate-replaced-{backup_id}" / "new.txt").is_file()
    assert (root / f"app.conf.shipmate-replaced-{backup_id}").read_text() == "mode = broken\n"
    assert not list(root.glob(".*shipmate-restore-*"))


def test_a_restore_dry_run_verifies_and_changes_nothing(data_project: DataProject) -> None:
    backup_id = backup_create(data_project.spec)["backup_id"]
    (data_project.root / "app.conf").write_text("after\n")
    before = sorted((str(p), p.stat().st_mtime_ns) for p in data_project.root.rglob("*") if p.is_file())
    out = backup_restore(data_project.spec, backup_id, dry_run=True)
    assert out["verified"] is True and {t["target"] for t in out["would_replace"]} == {"data/", "app.conf", "app.db"}
    assert sorted((str(p), p.stat().st_mtime_ns) for p in data_project.root.rglob("*") if p.is_file()) == before


def test_a_corrupted_archive_is_refused_and_nothing_is_replaced(data_project: DataProject) -> None:
    result = backup_create(data_project.spec)
    path = _archive(data_project, result)
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    (data_project.root / "app.conf").write_text("after\n")
    before = sorted(p.name for p in data_project.root.iterdir())
    with pytest.raises(BackupCorruptError) as caught:
        backup_restore(data_project.spec, result["backup_id"])
    assert caught.value.exit_code == 2 and caught.value.code == "backup_corrupt"
    assert (data_project.root / "app.conf").read_text() == "after\n"
    assert sorted(p.name for p in data_project.root.iterdir()) == before


def test_a_file_whose_bytes_differ_from_the_manifest_is_refused(data_project: DataProject) -> None:
    """A well-formed archive with one changed file (and its beside manifest made to agree) still fails."""
    data_project.write_spec("  paths: [app.conf]\n  compression: gzip")
    result = backup_create(data_project.spec)
    path = _archive(data_project, result)
    import gzip
    import io

    with gzip.open(path) as packed:
        raw = packed.read()
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(raw)) as old, tarfile.open(fileobj=out, mode="w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "1/app.conf" or member.name.endswith("app.conf"):
                data = data.replace(b"production", b"tampered!!")
            new.addfile(member, io.BytesIO(data))
    path.write_bytes(gzip.compress(out.getvalue()))
    Path(str(path) + MANIFEST_SUFFIX).unlink()
    with pytest.raises(BackupCorruptError, match="sha256"):
        backup_restore(data_project.spec, result["backup_id"])
    assert (data_project.root / "app.conf").read_text() == "mode = production\n"


def test_dry_run_lists_sizes_and_an_estimate_and_creates_nothing(data_project: DataProject) -> None:
    before = sorted(str(p) for p in data_project.root.rglob("*"))
    out = backup_create(data_project.spec, dry_run=True)
    assert sorted(str(p) for p in data_project.root.rglob("*")) == before
    assert not (data_project.root / ".shipmate").exists()
    assert out["files"] == 4 and out["uncompressed_bytes"] == sum(s["bytes"] for s in out["sources"])
    assert 0 < out["estimated_compressed_bytes"] < out["uncompressed_bytes"]   # b.bin repeats: it compresses
    assert out["destination"].endswith(".shipmate/backups")


def test_a_file_url_destination_and_gzip(data_project: DataProject, tmp_path: Path) -> None:
    remote = tmp_path / "offsite"
    data_project.write_spec(f"  paths: [data/]\n  destination: file://{remote}\n  compression: gzip")
    result = backup_create(data_project.spec)
    assert (remote / result["archive"]["name"]).is_file() and result["archive"]["name"].endswith(".tar.gz")
    (data_project.root / "data" / "a.txt").write_text("x")
    backup_restore(data_project.spec, result["backup_id"])
    assert (data_project.root / "data" / "a.txt").read_text() == "alpha\n"


def test_an_fsspec_file_system_that_is_not_local(data_project: DataProject) -> None:
    data_project.write_spec("  paths: [app.conf]\n  destination: memory://shipmate-test/backups")
    result = backup_create(data_project.spec)
    listed = backup_list(data_project.spec)["backups"]
    assert [b["backup_id"] for b in listed] == [result["backup_id"]]
    (data_project.root / "app.conf").write_text("x")
    backup_restore(data_project.spec, result["backup_id"])
    assert (data_project.root / "app.conf").read_text() == "mode = production\n"


def test_create_prunes_beyond_keep_and_prune_dry_run_removes_nothing(data_project: DataProject) -> None:
    data_project.write_spec("  paths: [app.conf]\n  keep: 2")
    made = [backup_create(data_project.spec)["backup_id"] for _ in range(3)]
    listed = [b["backup_id"] for b in backup_list(data_project.spec)["backups"]]
    assert listed == [made[2], made[1]]
    data_project.write_spec("  paths: [app.conf]\n  keep: 1")
    assert backup_prune(data_project.spec, dry_run=True)["removed"] == [made[1]]
    assert len(backup_list(data_project.spec)["backups"]) == 2
    assert backup_prune(data_project.spec)["removed"] == [made[1]]
    assert [b["backup_id"] for b in backup_list(data_project.spec)["backups"]] == [made[2]]


def test_an_unknown_id_is_not_found(data_project: DataProject) -> None:
    with pytest.raises(NotFoundError):
        backup_restore(data_project.spec, "bk-20260101-000000-abcdef")


def test_a_backed_up_project_folder_leaves_out_the_state_home_and_restore_leftovers(data_project: DataProject) -> None:
    data_project.write_spec("  paths: [data/]\n  destination: data/backups")
    first = backup_create(data_project.spec)
    second = backup_create(data_project.spec)
    assert second["files"] == first["files"] == 2   # the destination inside data/ is not archived into itself


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
def test_a_truncated_archive_is_refused(data_project: DataProject, compression: str) -> None:
    data_project.write_spec(f"  paths: [data/, app.conf]\n  compression: {compression}")
    result = backup_create(data_project.spec)
    path = _archive(data_project, result)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    Path(str(path) + MANIFEST_SUFFIX).unlink()     # no outer checksum to lean on: the stream itself must tell
    (data_project.root / "app.conf").write_text("after\n")
    with pytest.raises(BackupCorruptError):
        backup_restore(data_project.spec, result["backup_id"])
    assert (data_project.root / "app.conf").read_text() == "after\n"
    assert not list(data_project.root.glob(".*shipmate-restore-*"))


def test_a_restore_while_the_service_is_locked_is_refused_and_replaces_nothing(data_project: DataProject) -> None:
    from shipmate.engine.lease import Lease
    from shipmate.errors import LockHeldError
    from shipmate.ops.common.workspace import Workspace

    backup_id = backup_create(data_project.spec)["backup_id"]
    (data_project.root / "app.conf").write_text("after the backup\n")
    ws = Workspace.locate(data_project.spec)
    with ws.open_store() as store, Lease(store, "web/default", "test:deploying"), pytest.raises(LockHeldError):
        backup_restore(data_project.spec, backup_id)
    assert (data_project.root / "app.conf").read_text() == "after the backup\n"
    assert not list(data_project.root.glob("*shipmate-replaced-*"))
    assert not list(data_project.root.glob(".*shipmate-restore-*"))   # nothing left staged either
    backup_restore(data_project.spec, backup_id)                       # the lock released: it goes through
    assert (data_project.root / "app.conf").read_text() == "mode = production\n"
