"""The smoke gate's rule: the level-5 smoke run through the public port inside the window must pass. Pure.

A failed smoke is decisive (the window ends and the release rolls back at once); a smoke that never got to run
by the end of the window leaves the verdict inconclusive, since the spec asked for it explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

from shipmate.analysis.observations import SmokeSample
from shipmate.analysis.rules import Finding
from shipmate.model import Phase


def smoke_findings(runs: Sequence[SmokeSample], *, final: bool) -> list[Finding]:
    failed = next((run for run in runs if not run.ok), None)
    if failed is not None:
        return [Finding("smoke", "passes", Phase.FAIL, 0.0, 1.0, len(runs),
                        f"{failed.what}: {failed.output}" if failed.output else failed.what, decisive=True)]
    if runs:
        return [Finding("smoke", "passes", Phase.PASS, 1.0, 1.0, len(runs), runs[-1].what)]
    if final:
        return [Finding("smoke", "passes", Phase.INCONCLUSIVE, None, 1.0, 0, "the smoke test never ran")]
    return []


def smoke_evidence(runs: Sequence[SmokeSample]) -> dict[str, object]:
    return {"runs": len(runs), "passed": sum(1 for run in runs if run.ok),
            "results": [{"ok": run.ok, "what": run.what, "output": run.output} for run in runs]}
