"""The host registry under $XDG_STATE_HOME/shipmate/ (the autouse fixture points it at a tmp folder)."""

from __future__ import annotations

import os
from pathlib import Path

from shipmate.supervise import registry


def test_register_then_unregister_a_home(tmp_path: Path) -> None:
    home, spec = tmp_path / "a" / ".shipmate", tmp_path / "a" / "shipmate.yaml"
    home.mkdir(parents=True)
    registry.register(home, spec)
    registry.register(home, spec)   # idempotent
    assert registry.registry_dir().is_relative_to(Path(os.environ["XDG_STATE_HOME"]))
    found, warnings = registry.entries()
    assert [(e.home, e.spec) for e in found] == [(home, spec)] and warnings == []
    assert registry.unregister(home, spec) is True
    assert registry.entries() == ([], []) and registry.unregister(home, spec) is False


def test_an_entry_whose_home_was_deleted_is_dropped_with_a_warning(tmp_path: Path) -> None:
    kept, gone = tmp_path / "kept" / ".shipmate", tmp_path / "gone" / ".shipmate"
    kept.mkdir(parents=True)
    registry.register(kept, kept.parent / "shipmate.yaml")
    registry.register(gone, gone.parent / "shipmate.yaml")
    found, warnings = registry.entries()
    assert [e.home for e in found] == [kept]
    assert len(warnings) == 1 and str(gone) in warnings[0] and "deleted" in warnings[0]
    assert len(list(registry.registry_dir().glob("*.json"))) == 1   # dropped for good


def test_an_unreadable_entry_is_dropped_with_a_warning(tmp_path: Path) -> None:
    registry.registry_dir().mkdir(parents=True)
    (registry.registry_dir() / "junk.json").write_text("{not json")
    found, warnings = registry.entries()
    assert found == [] and "unreadable" in warnings[0]
