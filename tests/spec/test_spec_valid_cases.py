"""Every valid spec in cases/valid.yaml loads and resolves to the expected values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spec_cases import load_cases, lookup, write_spec

from shipmate.ops.common.releases import config_from
from shipmate.spec.loader import LoadedSpec, load_spec

VALID = load_cases("valid.yaml")


def _load_valid(case: dict[str, Any], folder: Path) -> LoadedSpec:
    for sub in case.get("dirs", []):
        (folder / sub).mkdir(parents=True)
    path = write_spec(folder, case["yaml"])
    return load_spec(path, environment=case.get("environment"), version_override=case.get("version_override"))


@pytest.mark.parametrize("case", VALID, ids=[case["name"] for case in VALID])
def test_valid_spec_resolves_to_expected_values(case: dict[str, Any], tmp_path: Path) -> None:
    loaded = _load_valid(case, tmp_path)
    for key, expected in case["expect"].items():
        if key == "cwd":
            actual: Any = loaded.cwd
            expected = (tmp_path / expected).resolve()
        elif key == "probe_path":
            actual = loaded.spec.probe_path()
        elif key.startswith("config."):
            actual = lookup(config_from(loaded), key.removeprefix("config."))
        else:
            actual = lookup(loaded, key)
        assert actual == expected, key


@pytest.mark.parametrize("case", VALID, ids=[case["name"] for case in VALID])
def test_loaded_spec_knows_where_it_came_from(case: dict[str, Any], tmp_path: Path) -> None:
    loaded = _load_valid(case, tmp_path)
    assert loaded.path == (tmp_path / "shipmate.yaml").absolute()
    assert loaded.path.is_absolute()
    assert loaded.base_dir == loaded.path.parent
    assert len(loaded.digest) == 64 and int(loaded.digest, 16) >= 0


def test_loaded_spec_is_frozen(tmp_path: Path) -> None:
    loaded = _load_valid(VALID[0], tmp_path)
    with pytest.raises(Exception):  # noqa: B017 - pydantic and dataclasses raise different types
        loaded.spec.port = 1  # type: ignore[misc]
    with pytest.raises(Exception):  # noqa: B017
        loaded.version = "x"  # type: ignore[misc]
