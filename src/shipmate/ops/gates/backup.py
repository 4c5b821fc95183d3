"""The backup gate: the archive a deploy takes before it changes anything, when its environment asks for one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.errors import SpecError
from shipmate.ops.common.backup_taking import create_backup

if TYPE_CHECKING:
    from shipmate.ops.common.workspace import Workspace
    from shipmate.spec.loader import LoadedSpec


def before_deploy(ws: Workspace, loaded: LoadedSpec, *, dry_run: bool = False) -> dict[str, Any] | None:
    """The backup a deploy takes before it changes anything (when the environment asks for one).

    Explicit ``backup_before_deploy``, else true on protected environments. A failure raises: the deploy stops
    with nothing changed. Dry run: what it would archive.
    """
    overlay = loaded.spec.environments.get(loaded.environment)
    explicit = overlay.backup_before_deploy if overlay is not None else None
    wanted = explicit if explicit is not None else bool(overlay is not None and overlay.protected)
    if not wanted:
        return None
    if loaded.spec.backup is None:
        if explicit:
            raise SpecError("is true, but there is no backup: section", file=str(loaded.path),
                            path=f"environments.{loaded.environment}.backup_before_deploy",
                            hint="add backup: {paths: [...]} or set backup_before_deploy: false")
        return None
    return create_backup(ws, loaded, loaded.spec.backup, dry_run=dry_run, reason="before_deploy")
