"""The snapshot store on a real filesystem: content addressed, hard-linked, sealed, pruned without losing data."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from shipmate.errors import BuildFailedError, InvalidInputError, SpecError
from shipmate.snapshots import objects as objects_module
from shipmate.snapshots.retention import made_by_instances, prune_snapshots
from shipmate.snapshots.writer import Wanted, is_sealed, seal_of, write_snapshot


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _wanted(project: Path, rels: list[str], **kw: object) -> Wanted:
    digests = {rel: hashlib.sha256((project / rel).read_bytes()).hexdigest() for rel in sorted(rels)}
    total = hashlib.sha256("".join(f"{r}\0{d}\n" for r, d in digests.items()).encode()).hexdigest()
    return Wanted(service="web", project=project, artifact="sha256:" + total, files=digests, **kw)  # type: ignore[arg-type]


def test_unchanged_files_share_one_object_across_releases_and_only_changed_ones_cost_space(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A", "lib/util.py": "same", "lib/big.txt": "x" * 10000})
    home = tmp_path / "home"
    one = write_snapshot(home, _wanted(project, ["app.py", "lib/util.py", "lib/big.txt"]))
    (project / "app.py").write_text("B")
    two = write_snapshot(home, _wanted(project, ["app.py", "lib/util.py", "lib/big.txt"]))
    assert one.path != two.path and is_sealed(one.path) and is_sealed(two.path)
    assert two.objects_added == 1 and two.bytes_added == 1             # only app.py's new bytes
    assert os.stat(one.path / "lib/big.txt").st_ino == os.stat(two.path / "lib/big.txt").st_ino
    assert (one.path / "app.py").read_text() == "A" and (two.path / "app.py").read_text() == "B"
    again = write_snapshot(home, _wanted(project, ["app.py", "lib/util.py", "lib/big.txt"]))
    assert again.reused and again.path == two.path


def test_everything_outside_the_artifact_is_linked_into_the_project_so_data_lands_there(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A", "data/app.db": "rows", ".venv/bin/tool": "#!",
                                        "lib/mod.py": "m", "lib/cache.log": "log"})
    snap = write_snapshot(tmp_path / "home", _wanted(project, ["app.py", "lib/mod.py"])).path
    assert (snap / "data").is_symlink() and (snap / "data").resolve() == (project / "data").resolve()
    assert (snap / ".venv").is_symlink()
    assert not (snap / "lib").is_symlink() and (snap / "lib/cache.log").is_symlink()   # mixed folder: per entry
    (snap / "data" / "new.db").write_text("new rows")
    assert (project / "data" / "new.db").read_text() == "new rows"
    assert made_by_instances(snap) == []
    (snap / "scratch.txt").write_text("made by the app")
    assert made_by_instances(snap) == ["scratch.txt"]


def test_a_declared_shared_folder_is_made_in_the_project_and_linked(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A"})
    snap = write_snapshot(tmp_path / "home", _wanted(project, ["app.py"], shared=("uploads/images",))).path
    assert (project / "uploads/images").is_dir() and (snap / "uploads/images").is_symlink()


def test_a_shared_path_that_is_part_of_the_artifact_is_refused_by_key_path(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A", "data/seed.json": "{}"})
    with pytest.raises(SpecError) as caught:
        write_snapshot(tmp_path / "home", _wanted(project, ["app.py", "data/seed.json"], shared=("data",)))
    assert caught.value.path == "target.shared[0]" and "data/seed.json" in caught.value.message
    assert not list((tmp_path / "home" / "snapshots").glob("web/*"))


def test_executable_bits_and_symlinks_survive_and_objects_are_read_only(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"run.sh": "#!/bin/sh\necho hi\n", "app.py": "A"})
    os.chmod(project / "run.sh", 0o755)
    os.symlink("app.py", project / "main.py")
    snap = write_snapshot(tmp_path / "home", _wanted(project, ["run.sh", "app.py", "main.py"])).path
    assert os.access(snap / "run.sh", os.X_OK) and not os.access(snap / "app.py", os.X_OK)
    assert os.readlink(snap / "main.py") == "app.py"
    assert (os.stat(snap / "app.py").st_mode & 0o222) == 0


def test_a_file_changed_after_it_was_hashed_is_caught_and_nothing_is_left(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A"})
    wanted = _wanted(project, ["app.py"])
    (project / "app.py").write_text("changed meanwhile")
    with pytest.raises(InvalidInputError, match="changed while"):
        write_snapshot(tmp_path / "home", wanted)
    assert not (tmp_path / "home" / "snapshots" / "web" / wanted.key()).exists()


def test_a_failing_build_leaves_no_snapshot_and_reports_its_last_lines(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A"})
    wanted = _wanted(project, ["app.py"], build=(("sh", "-c", "echo step one; echo broken >&2; exit 4"),))
    with pytest.raises(BuildFailedError) as caught:
        write_snapshot(tmp_path / "home", wanted)
    assert "exited with code 4" in caught.value.message and "broken" in caught.value.message
    assert caught.value.exit_code == 7 and caught.value.details["build"]["last_lines"][-1] == "broken"
    assert not (tmp_path / "home" / "snapshots" / "web" / wanted.key()).exists()


def test_an_unsealed_leftover_is_never_reused_but_written_again(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "A"})
    wanted = _wanted(project, ["app.py"])
    leftover = tmp_path / "home" / "snapshots" / "web" / wanted.key()
    leftover.mkdir(parents=True)
    (leftover / "half.py").write_text("half")
    written = write_snapshot(tmp_path / "home", wanted)
    assert not written.reused and not (written.path / "half.py").exists() and is_sealed(written.path)


def test_where_a_hard_link_is_impossible_the_file_is_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A second filesystem is not always at hand: os.link refusing with EXDEV is what the kernel does there.
    def no_link(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    project = _project(tmp_path / "p", {"app.py": "A"})
    monkeypatch.setattr(objects_module.os, "link", no_link)
    snap = write_snapshot(tmp_path / "home", _wanted(project, ["app.py"])).path
    assert (snap / "app.py").read_text() == "A" and os.stat(snap / "app.py").st_nlink == 1


def test_pruning_removes_unkept_snapshots_and_their_objects_but_keeps_one_an_instance_wrote_into(
        tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"app.py": "v1"})
    home = tmp_path / "home"
    one = write_snapshot(home, _wanted(project, ["app.py"])).path
    (project / "app.py").write_text("v2")
    two = write_snapshot(home, _wanted(project, ["app.py"])).path
    (project / "app.py").write_text("v3")
    three = write_snapshot(home, _wanted(project, ["app.py"])).path
    (two / "uploads.txt").write_text("someone's data")
    pruned = prune_snapshots(home, "web", keep={three})
    assert pruned.removed == [str(one)] and not one.exists() and not seal_of(one).exists()
    assert pruned.kept_with_files == {str(two): ["uploads.txt"]} and pruned.newly_reported == [str(two)]
    assert (two / "uploads.txt").read_text() == "someone's data"
    assert pruned.objects_removed == 1                                   # v1's bytes; v2 and v3 still linked
    again = prune_snapshots(home, "web", keep={three})
    assert again.kept_with_files == {str(two): ["uploads.txt"]} and again.newly_reported == []
