"""Doctor's look inside the current release's snapshot (issue 16): files its instances wrote there.

They are kept with that snapshot (never pruned silently), but they live in one release only: the next release
starts without them. So a person hears of them here, beside `status`'s `created_files`.
"""

from __future__ import annotations

from pathlib import Path

from shipmate.analysis.diagnosis import Finding
from shipmate.ops.doctoring.context import DoctorContext

SHOWN = 5


def files_made_in_snapshot(ctx: DoctorContext) -> list[Finding]:
    from shipmate.snapshots import SNAPSHOT_DIR
    from shipmate.snapshots.retention import made_by_instances

    config = ctx.current_config()
    snapshot = config.target_settings.get(SNAPSHOT_DIR) if config is not None else None
    if not snapshot:
        return []
    made = made_by_instances(Path(str(snapshot)))
    if not made:
        return []
    shown = ", ".join(made[:SHOWN]) + (f" and {len(made) - SHOWN} more" if len(made) > SHOWN else "")
    return [Finding("snapshot.created_files", "warning",
                    f"the current release's instances wrote {len(made)} file(s) inside its snapshot, which the "
                    f"next release will not have: {shown}",
                    "list their folder in target.shared in shipmate.yaml (or let the app write under a shared "
                    f"path), then move them there from {snapshot}",
                    detail={"snapshot": str(snapshot), "files": made})]
