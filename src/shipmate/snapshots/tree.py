"""What a snapshot folder holds, walked without following its links (those lead into the project)."""

from __future__ import annotations

import os
from pathlib import Path

# Never linked into a snapshot nor reported as made by an instance: git's and shipmate's own folders, and
# caches an interpreter or tool makes by itself (Python writes __pycache__ next to the snapshot's modules).
NEVER_LINKED = frozenset({".git", ".shipmate", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
REPORT_LIMIT = 50


def listed_files(snapshot: Path) -> list[str]:
    """Every file, link and empty folder in ``snapshot`` (relative, sorted); links are not followed."""
    found: list[str] = []
    for root, dirs, names in os.walk(snapshot):
        dirs[:] = [d for d in dirs if d not in NEVER_LINKED and not os.path.islink(os.path.join(root, d))]
        base = Path(root).relative_to(snapshot)
        linked = [d for d in os.listdir(root) if os.path.islink(os.path.join(root, d))
                  and os.path.isdir(os.path.join(root, d))]
        found += [(base / name).as_posix() for name in [*names, *linked] if not name.endswith(".pyc")]
    return sorted(set(found))


def created_files(snapshot: Path, sealed: list[str]) -> list[str]:
    """Files an instance made inside ``snapshot`` outside its links (kept, reported; never pruned silently)."""
    if not snapshot.is_dir():
        return []
    known = set(sealed)
    return [rel for rel in listed_files(snapshot) if rel not in known][:REPORT_LIMIT]
