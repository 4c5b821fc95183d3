"""Which current releases run instances: only those need a router, supervision or crash reconciling of
instances (a `files` release is a set of files: targets/files.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from shipmate.targets.registry import capabilities_of

if TYPE_CHECKING:
    from shipmate.store.rows import CurrentRow, ReleaseRow


class _Reads(Protocol):
    def all_current(self) -> list[CurrentRow]: ...

    def get_release(self, release_id: str) -> ReleaseRow | None: ...


def runs_instances(kind: str) -> bool:
    found = capabilities_of(kind)
    return found is None or not found.file_set


def current_with_instances(store: _Reads) -> list[CurrentRow]:
    """store.all_current() without the releases that run no instances."""
    out = []
    for cur in store.all_current():
        rel = store.get_release(cur.release_id)
        if rel is None or runs_instances(rel.target_kind):
            out.append(cur)
    return out
