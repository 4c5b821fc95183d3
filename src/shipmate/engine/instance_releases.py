"""Which current releases run instances: only those need a router, supervision or crash reconciling of
instances (a `files` release is a set of files: targets/files.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from shipmate.targets.registry import capabilities_of

if TYPE_CHECKING:
    from shipmate.store.rows import CurrentRow, ReleaseRow


class _Reads(Protocol):
    def all_current(self) -> list[CurrentRow]: ...

    def releases_by_id(self, release_ids: Iterable[str]) -> dict[str, ReleaseRow]: ...


def runs_instances(kind: str) -> bool:
    found = capabilities_of(kind)
    return found is None or not found.file_set


def current_with_instances(store: _Reads) -> list[CurrentRow]:
    """store.all_current() without the releases that run no instances."""
    current = store.all_current()
    releases = store.releases_by_id(cur.release_id for cur in current)   # one read, not one per service
    out = []
    for cur in current:
        rel = releases.get(cur.release_id)
        if rel is None or runs_instances(rel.target_kind):
            out.append(cur)
    return out
