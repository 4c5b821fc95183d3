"""The issue's figure, small: online backups of a SQLite database while a real writer process inserts (WAL)."""

from __future__ import annotations

from pathlib import Path

from tests.backups import online_sqlite
from tests.backups.conftest import DataProject


def test_ten_backups_under_a_steady_writer_are_consistent_and_restore(data_project: DataProject,
                                                                       tmp_path: Path) -> None:
    data_project.write_spec("  paths: [{sqlite: app.db}]\n  keep: 100")
    live = data_project.root / "app.db"
    writer = online_sqlite.start_writer(live)
    try:
        outcome = online_sqlite.run(data_project.spec, live, 10, tmp_path / "scratch")
        assert writer.poll() is None, "the writer must keep running through backups and the restore"
    finally:
        online_sqlite.stop(writer)
    assert outcome.passed == 10, [r for r in outcome.rounds if not r.consistent]
    assert outcome.growing and outcome.rounds[-1].rows > outcome.rounds[0].rows   # it really was writing
    assert outcome.live_integrity_after_restore == "ok"
    assert outcome.live_rows_after_restore >= outcome.rounds[-1].rows
