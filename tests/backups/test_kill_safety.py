"""SIGKILL a real `shipmate backup create` while it writes: the final name never holds a partial archive."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from shipmate.ops.backups import backup_create, backup_list
from tests.backups.conftest import DataProject
from tests.e2e.cli_project import SHIPMATE
from tests.waiting import wait_until


def _big_tree(root: Path, files: int, size: int) -> None:
    big = root / "big"
    big.mkdir()
    for i in range(files):
        (big / f"blob{i:03}.bin").write_bytes(os.urandom(size))


def test_a_kill_mid_backup_leaves_no_file_under_the_final_name(data_project: DataProject) -> None:
    _big_tree(data_project.root, 24, 4 << 20)   # 96 MB of incompressible data; gzip takes seconds on it
    data_project.write_spec("  paths: [big/]\n  compression: gzip")
    dest = data_project.root / ".shipmate" / "backups"
    proc = subprocess.Popen([SHIPMATE, "backup", "create", "-f", data_project.spec], cwd=data_project.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def writing() -> bool:
            parts = list(dest.glob(".*.part-*")) if dest.is_dir() else []
            return any(p.stat().st_size > (2 << 20) for p in parts)
        wait_until(writing, 60, "the archive's temp file to grow past 2 MB")
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    left = sorted(p.name for p in dest.iterdir())
    assert left and all(name.startswith(".") and ".part-" in name for name in left), left
    assert backup_list(data_project.spec)["backups"] == []
    # The next backup completes, and clears the dead writer's temp file.
    data_project.write_spec("  paths: [app.conf]")
    made = backup_create(data_project.spec)
    assert [b["backup_id"] for b in backup_list(data_project.spec)["backups"]] == [made["backup_id"]]
    assert not list(dest.glob(".*.part-*"))
    assert list((data_project.root / ".shipmate" / "backups-staging").iterdir()) == []
