"""recover: reconcile every deployment a crash interrupted (roll forward or back), and say how each ended."""

from __future__ import annotations

from shipmate.errors import RollbackFailedError
from shipmate.ops.common.reconciling import reconcile_all
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.instances import RecoverResult


def recover(spec_file: str | None) -> RecoverResult:
    ws = Workspace.locate(spec_file)
    store = ws.open_store_readonly()
    if store is None:
        return RecoverResult([])
    store.close()
    store = ws.open_store()
    try:
        report = reconcile_all(ws.runtime(store))
    finally:
        store.close()
    failed = [r for r in report if str(r.get("outcome", "")).startswith("failed")]
    if failed:
        raise RollbackFailedError(f"{len(failed)} interrupted deployment(s) could not be rolled back: "
                                  + "; ".join(str(r["outcome"]) for r in failed),
                                  hint="see `shipmate status` and `shipmate events`; fix and deploy, or "
                                       "`shipmate rollback --to VERSION`",
                                  details={"recovered": report})
    return RecoverResult(report)
