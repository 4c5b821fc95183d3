"""After a release passed its monitor window: the secret versions it superseded are removed from the state
folder, so a rotated (often revoked) value does not linger on disk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from shipmate.secrets.vault import Vault


def retire_superseded(home: Path, in_use: Mapping[str, int],
                      keep_for_rollback: Iterable[Mapping[str, int]] = ()) -> list[str]:
    """Remove every version of each secret in ``in_use`` older than the one in use, except versions pinned
    by a mapping in ``keep_for_rollback``; returns what went, e.g. ["API_KEY v1"].

    Newer versions stay (a rotation set while this release was deployed is for the next deploy), and so do
    secrets not in ``in_use``. The caller passes in ``keep_for_rollback`` the pins of every release that may
    still start instances: the current release of each *other* environment of this home (they share the
    state folder). A `shipmate rollback` to an older release pinned to a removed version runs with the
    newest one (resolve.pinned_for_rollback): a rotation supersedes the old value.
    """
    kept: dict[str, set[int]] = {}
    for pins in keep_for_rollback:
        for name, version in pins.items():
            kept.setdefault(name, set()).add(version)
    vault = Vault(home)
    removed: list[str] = []
    for name, current in sorted(in_use.items()):
        # Only the scope the version in use came from: production's rotation never removes staging's value.
        for version in vault.versions(name, vault.scope_of(name, current)):
            if version < current and version not in kept.get(name, set()) and vault.remove_version(name, version):
                removed.append(f"{name} v{version}")
    return removed
