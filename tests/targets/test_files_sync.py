"""The files target's sync on real folders: what is ours is decided by the manifest, never by a guess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipmate.errors import InvalidInputError
from shipmate.targets.files_manifest import read_manifest
from shipmate.targets.files_sync import SyncPlan, apply_sync, plan_sync


def _sync(dest: Path, manifest: Path, wanted: dict[str, bytes], release: str,
          migrate: dict[str, str] | None = None) -> SyncPlan:
    plan = plan_sync(dest, wanted, read_manifest(manifest), release=release, set_key=release,
                     migrate=migrate or {})
    apply_sync(dest, plan, manifest)
    return plan


def _folder(dest: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dest)): p.read_bytes() for p in dest.rglob("*") if p.is_file()}


def test_a_second_sync_of_the_same_set_writes_nothing_at_all(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    wanted = {"a.md": b"A\n", "sub/b.md": b"B\n"}
    first = _sync(dest, manifest, wanted, "1")
    assert first.names("deploy") == ["a.md", "sub/b.md"]
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in [dest / "a.md", dest / "sub/b.md", manifest]}
    again = _sync(dest, manifest, wanted, "1")
    assert not again.changes and again.names("skip") == ["a.md", "sub/b.md"]
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in before} == before


def test_only_changed_files_are_rewritten(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    _sync(dest, manifest, {"a.md": b"A\n", "b.md": b"B\n"}, "1")
    inode_a = (dest / "a.md").stat().st_ino
    plan = _sync(dest, manifest, {"a.md": b"A\n", "b.md": b"B2\n"}, "2")
    assert plan.names("update") == ["b.md"] and plan.names("skip") == ["a.md"]
    assert (dest / "a.md").stat().st_ino == inode_a
    assert _folder(dest) == {"a.md": b"A\n", "b.md": b"B2\n"}
    assert read_manifest(manifest).files["a.md"].release == "1"     # skipped: still written by release 1
    assert read_manifest(manifest).files["b.md"].release == "2"


def test_a_file_of_ours_the_user_edited_stays_and_the_new_version_goes_beside_it(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    _sync(dest, manifest, {"a.md": b"A\n"}, "1")
    (dest / "a.md").write_bytes(b"A, edited by hand\n")
    plan = _sync(dest, manifest, {"a.md": b"A2\n"}, "2")
    assert plan.names("conflict") == ["a.md"]
    assert _folder(dest) == {"a.md": b"A, edited by hand\n", "a.md.new": b"A2\n"}
    # The conflict resolved by the user taking our version: the stale .new of ours goes with the next sync.
    (dest / "a.md").write_bytes(b"A2\n")
    plan = _sync(dest, manifest, {"a.md": b"A2\n"}, "2")
    assert plan.names("remove") == ["a.md.new"] and _folder(dest) == {"a.md": b"A2\n"}


def test_a_user_file_by_one_of_our_names_is_never_overwritten_nor_removed(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    dest.mkdir()
    (dest / "a.md").write_bytes(b"mine\n")
    (dest / "notes.txt").write_bytes(b"also mine\n")
    plan = _sync(dest, manifest, {"a.md": b"ours\n", "b.md": b"B\n"}, "1")
    assert plan.names("conflict") == ["a.md"] and plan.names("deploy") == ["b.md"]
    assert "a.md" not in read_manifest(manifest).files
    _sync(dest, manifest, {}, "down")
    assert _folder(dest) == {"a.md": b"mine\n", "notes.txt": b"also mine\n"}


def test_files_that_left_the_set_go_unless_the_user_edited_them(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    _sync(dest, manifest, {"a.md": b"A\n", "b.md": b"B\n", "deep/c.md": b"C\n"}, "1")
    (dest / "b.md").write_bytes(b"B edited\n")
    plan = _sync(dest, manifest, {"a.md": b"A\n"}, "2")
    assert plan.names("remove") == ["deep/c.md"] and plan.names("preserve") == ["b.md"]
    assert _folder(dest) == {"a.md": b"A\n", "b.md": b"B edited\n"}
    assert not (dest / "deep").exists()                 # the folder our removal emptied goes too
    assert "b.md" not in read_manifest(manifest).files   # edited and dropped: the user's from now on


def test_an_older_format_of_our_file_is_migrated_by_its_frontmatter_keys(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    dest.mkdir()
    old = b"---\nname: a\nallowed_tools: Read\n---\nbody\n"
    new = b"---\nname: a\ntools: Read\n---\nbody\n"
    (dest / "a.md").write_bytes(old)                    # written before there was a manifest
    (dest / "b.md").write_bytes(b"---\nname: b\nallowed_tools: Bash\n---\nthe user's own\n")
    plan = _sync(dest, manifest, {"a.md": new, "b.md": b"---\nname: b\ntools: Read\n---\nours\n"}, "2",
                 migrate={"allowed_tools": "tools"})
    assert plan.names("migrate") == ["a.md"] and plan.names("conflict") == ["b.md"]
    assert (dest / "a.md").read_bytes() == new
    assert (dest / "b.md").read_bytes().endswith(b"the user's own\n")
    # Ours in the old format (in the manifest, untouched) is migrated too, and counted as such.
    _sync(dest, manifest, {"c.md": b"---\nallowed_tools: X\n---\n"}, "3", migrate={"allowed_tools": "tools"})
    plan = _sync(dest, manifest, {"c.md": b"---\ntools: X\n---\n"}, "4", migrate={"allowed_tools": "tools"})
    assert plan.names("migrate") == ["c.md"]


def test_a_sync_killed_after_its_intent_knows_both_old_and_new_bytes_as_ours(tmp_path: Path) -> None:
    dest, manifest = tmp_path / "agents", tmp_path / "manifest.json"
    _sync(dest, manifest, {"a.md": b"A\n", "b.md": b"B\n"}, "1")
    plan = plan_sync(dest, {"a.md": b"A2\n", "b.md": b"B2\n"}, read_manifest(manifest), release="2",
                     set_key="2", migrate={})

    class KilledError(Exception):
        pass

    def die(name: str) -> None:
        if name == "files:half":
            raise KilledError

    with pytest.raises(KilledError):
        apply_sync(dest, plan, manifest, die)
    assert (dest / "a.md").read_bytes() == b"A2\n" and (dest / "b.md").read_bytes() == b"B\n"   # half done
    back = _sync(dest, manifest, {"a.md": b"A\n", "b.md": b"B\n"}, "1")     # e.g. a rollback after the crash
    assert not back.names("conflict") and _folder(dest) == {"a.md": b"A\n", "b.md": b"B\n"}


@pytest.mark.parametrize("text, what", [
    ("{not json", "line 1"),
    (json.dumps({"format": 1, "files": {"a.md": {"sha256": "xyz", "release": "1"}}}), "files.a.md"),
    (json.dumps({"format": 1, "files": {"../../etc/passwd": {"sha256": "0" * 64, "release": "1"}}}), "etc/passwd"),
    (json.dumps({"format": 7}), "format"),
    (json.dumps({"format": 1, "files": []}), "`files`"),
])
def test_a_manifest_edited_into_nonsense_is_refused_naming_what_is_wrong(tmp_path: Path, text: str,
                                                                         what: str) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(text)
    with pytest.raises(InvalidInputError) as err:
        read_manifest(manifest)
    assert str(manifest) in err.value.message and what in err.value.message and err.value.hint
    assert err.value.exit_code == 2 and "\n" not in err.value.message
