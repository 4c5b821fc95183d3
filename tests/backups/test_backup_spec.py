"""The backup: section and backup_before_deploy as the spec reads them (pure rules) and as a load checks them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shipmate.errors import SpecError
from shipmate.spec.backup_spec import BackupSpec
from shipmate.spec.loader import load_spec
from shipmate.spec.models import EnvOverlay
from tests.backups.conftest import DataProject


def test_defaults_keep_ten_for_seven_days_with_zstd() -> None:
    spec = BackupSpec.model_validate({"paths": ["data/"]})
    assert (spec.keep, spec.max_age, spec.compression, spec.destination) == (10, 7 * 86400.0, "zstd", None)
    assert spec.paths[0].kind == "path" and spec.paths[0].target == "data/"


def test_entries_name_files_sqlite_databases_and_volumes() -> None:
    spec = BackupSpec.model_validate({"paths": ["a", {"sqlite": "db/app.db"}, {"volume": "app-data"}]})
    assert [(e.kind, e.target) for e in spec.paths] == [("path", "a"), ("sqlite", "db/app.db"),
                                                        ("volume", "app-data")]


@pytest.mark.parametrize("bad", ["../secrets", "/etc/passwd", "data/../../x", ".", ""])
def test_a_path_outside_the_project_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        BackupSpec.model_validate({"paths": ["ok", bad]})


@pytest.mark.parametrize("entry", [{"sqlite": "a", "path": "b"}, {}, {"sqlite": "a", "volume": "v"}])
def test_an_entry_names_exactly_one_kind(entry: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BackupSpec.model_validate({"paths": [entry]})


def test_backup_before_deploy_is_unset_unless_written() -> None:
    assert EnvOverlay.model_validate({}).backup_before_deploy is None
    assert EnvOverlay.model_validate({"backup_before_deploy": True}).backup_before_deploy is True


def test_a_load_names_the_key_path_of_an_outside_path(data_project: DataProject) -> None:
    data_project.write_spec("  paths: [data/, ../elsewhere]")
    with pytest.raises(SpecError) as caught:
        load_spec(Path(data_project.spec))
    assert caught.value.path == "backup.paths[1]" and "outside the project folder" in caught.value.message


def test_backup_settings_do_not_change_the_release_digest(data_project: DataProject) -> None:
    before = load_spec(Path(data_project.spec)).digest
    data_project.write_spec("  paths: [data/]\n  keep: 3")
    assert load_spec(Path(data_project.spec)).digest == before


def test_max_age_is_written_in_days() -> None:
    assert BackupSpec.model_validate({"paths": ["a"], "max_age": "30d"}).max_age == 30 * 86400.0
