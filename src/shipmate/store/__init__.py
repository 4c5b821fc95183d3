"""The store: the one source of truth for releases, deployments, locks and events.

Only this package writes the state database; everything else goes through `Store`.
`Store` is imported lazily so that importing the row types does not load SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.store.rows import (
    CurrentRow,
    DeploymentRow,
    EventRow,
    InstanceRow,
    LockRow,
    ReleaseRow,
    StepRow,
)

if TYPE_CHECKING:
    from shipmate.store.mutations import EventSpec
    from shipmate.store.store import Store

__all__ = ["CurrentRow", "DeploymentRow", "EventRow", "EventSpec", "InstanceRow", "LockRow",
           "ReleaseRow", "StepRow", "Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from shipmate.store.store import Store

        return Store
    if name == "EventSpec":
        from shipmate.store.mutations import EventSpec

        return EventSpec
    raise AttributeError(f"module 'shipmate.store' has no attribute {name!r}")
