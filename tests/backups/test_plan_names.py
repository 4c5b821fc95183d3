"""Archive names and backup ids: parsed back exactly, temp files and foreign names never taken for archives."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from shipmate.backups.destination import temp_name
from shipmate.backups.plan import archive_name, created_at_of, is_backup_id, new_backup_id, parse_archive_name

LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\Z")


@given(LABEL, LABEL, st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 1, 1),
                                  timezones=st.just(UTC)), st.text("0123456789abcdef", min_size=6, max_size=6),
       st.sampled_from(["zstd", "gzip"]))
def test_a_name_parses_back_and_its_id_keeps_its_time(service: str, env: str, when: datetime, token: str,
                                                      compression: str) -> None:
    backup_id = new_backup_id(when, token)
    name = archive_name(service, env, backup_id, compression)
    parsed = parse_archive_name(name)
    assert parsed is not None and (parsed["service"], parsed["environment"], parsed["id"]) == (service, env, backup_id)
    assert is_backup_id(backup_id) and created_at_of(backup_id) == when.replace(microsecond=0).timestamp()
    assert parse_archive_name(temp_name(name)) is None
    assert parse_archive_name(name + ".manifest.json") is None
