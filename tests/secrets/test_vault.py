"""Secret values as versioned files: private modes, rising versions, fingerprints, never the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.secrets.vault import Vault, fingerprint, secret_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_writes_a_0600_file_in_0700_folders_with_rising_versions(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "home")
    first = vault.set("API_KEY", "first-value-123")
    second = vault.set("API_KEY", "second-value-456")
    assert (first.version, second.version) == (1, 2)
    assert second.path == secret_path(tmp_path / "home", "API_KEY", 2)
    assert second.path.read_text() == "second-value-456" and _mode(second.path) == 0o600
    assert _mode(tmp_path / "home" / "secrets") == 0o700 and _mode(second.path.parent) == 0o700
    assert vault.latest("API_KEY") == second
    assert second.fingerprint == fingerprint("second-value-456") != first.fingerprint


def test_listing_shows_the_newest_version_of_each_name_without_values(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.set("B_TOKEN", "bbbbbbbbbbbb")
    vault.set("A_KEY", "aaaaaaaaaaaa")
    vault.set("A_KEY", "cccccccccccc")
    listed = [s.as_dict() for s in vault.listing()]
    assert [(s["name"], s["version"]) for s in listed] == [("A_KEY", 2), ("B_TOKEN", 1)]
    assert "cccccccccccc" not in repr(listed)


def test_rm_removes_every_version_and_an_unknown_name_is_not_found(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.set("API_KEY", "one-one-one-one")
    vault.set("API_KEY", "two-two-two-two")
    assert vault.remove("API_KEY") == 2
    assert vault.latest("API_KEY") is None and vault.listing() == []
    with pytest.raises(NotFoundError):
        vault.remove("API_KEY")


@pytest.mark.parametrize(("name", "value"), [("api_key", "x" * 10), ("../ESCAPE", "x" * 10), ("API_KEY", "")])
def test_bad_names_and_empty_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(InvalidInputError):
        Vault(tmp_path).set(name, value)
    assert not (tmp_path / "secrets" / "ESCAPE").exists() and not (tmp_path / "ESCAPE").exists()
