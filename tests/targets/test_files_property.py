"""Property: across any mix of deploys, user edits, user files, rollbacks and downs, no user file is ever
changed or removed, and the folder is always one release's set plus the user's files (plus NAME.new files)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipmate.targets.files_manifest import read_manifest
from shipmate.targets.files_sync import NEW_SUFFIX, apply_sync, plan_sync

OUR_NAMES = ["a.md", "b.md", "sub/c.md", "d.json"]
USER_NAMES = ["mine.md", "sub/notes.txt", *OUR_NAMES]       # a user may pick one of our names too

release_sets = st.lists(
    st.dictionaries(st.sampled_from(OUR_NAMES), st.sampled_from([b"v1\n", b"v2\n", b"---\nk: 1\n---\n"]),
                    max_size=len(OUR_NAMES)),
    min_size=1, max_size=4)
steps = st.lists(st.one_of(
    st.tuples(st.just("deploy"), st.integers(0, 3)),
    st.tuples(st.just("edit"), st.sampled_from(OUR_NAMES)),
    st.tuples(st.just("user_file"), st.sampled_from(USER_NAMES)),
    st.tuples(st.just("rollback"), st.just(0)),
    st.tuples(st.just("down"), st.just(0)),
), min_size=1, max_size=12)


def _folder(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()} \
        if dest.exists() else {}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sets=release_sets, actions=steps)
def test_no_user_file_is_touched_and_the_folder_is_one_release_plus_the_users(
        sets: list[dict[str, bytes]], actions: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dest, manifest = Path(tmp) / "agents", Path(tmp) / "manifest.json"
        users: dict[str, bytes] = {}       # every file the user wrote, with the bytes they wrote
        current: dict[str, bytes] = {}     # the set of the release the folder holds
        deployed: list[dict[str, bytes]] = []
        for n, (action, arg) in enumerate(actions):
            if action in ("deploy", "rollback", "down"):
                if action == "deploy":
                    current = sets[int(str(arg)) % len(sets)]
                    deployed.append(current)
                elif action == "rollback":
                    if len(deployed) < 2:
                        continue
                    deployed.pop()
                    current = deployed[-1]
                else:
                    current = {}
                plan = plan_sync(dest, current, read_manifest(manifest), release=str(n), set_key=str(n),
                                 migrate={})
                apply_sync(dest, plan, manifest)
            elif action == "edit":
                name = str(arg)
                if (dest / name).is_file() and name not in users:    # a file of ours, edited by hand
                    users[name] = (dest / name).read_bytes() + f"edit {n}\n".encode()
                    (dest / name).write_bytes(users[name])
            else:
                name = str(arg)
                if not (dest / name).exists() and not (dest / (name + NEW_SUFFIX)).exists():
                    users[name] = f"user file {n}\n".encode()
                    (dest / name).parent.mkdir(parents=True, exist_ok=True)
                    (dest / name).write_bytes(users[name])
            folder = _folder(dest)
            for name, data in users.items():
                assert folder.get(name) == data, f"user file {name} changed after {action}"
            for name, data in current.items():
                if name in users:
                    assert folder.get(name + NEW_SUFFIX, data) == data      # ours beside it, or theirs equals
                else:
                    assert folder.get(name) == data, f"{name} is not the release's after {action}"
            for name in folder:
                if name in users or name in current:
                    continue
                base = name[: -len(NEW_SUFFIX)] if name.endswith(NEW_SUFFIX) else None
                assert base is not None and base in users and base in current, f"stray {name} after {action}"
                assert folder[name] == current[base]
