"""`shipmate check [--level N]`: the current release's health levels, as the JSON every face shows.

Exit 3 (HealthCheckFailedError) for any failing level; the level is in the message and in the details (`level`,
`failed_level`), as the README's table says. The older keys (`checks`, `healthy`) stay for compatibility.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from shipmate.analysis.health_levels import LEVEL_NAMES, first_failure
from shipmate.errors import HealthCheckFailedError, InvalidInputError
from shipmate.ops.results.health import CheckResult

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow, ReleaseRow
    from shipmate.targets.base import Target


def check_levels(service: str, env: str, rel: ReleaseRow, serving: Sequence[InstanceRow],
                 targets: Callable[[str], Target], level: int | None) -> CheckResult:
    from shipmate.engine.level_runner import levels_of, run_levels
    from shipmate.release_config import ReleaseConfig

    if level is not None and level not in LEVEL_NAMES:
        raise InvalidInputError(f"--level must be 1 to 5, got {level}",
                                hint="1 instance, 2 endpoint, 3 application, 4 protocol (MCP), 5 smoke")
    config = ReleaseConfig.from_dict(rel.spec)
    configured = levels_of(config)
    results = run_levels(config, targets, serving, upto=level, facts=rel.facts, version=rel.version)
    failed = first_failure(results)
    out = CheckResult(
        service=service, environment=env, version=rel.version,
        checks=[c for r in results for c in r.checks],
        healthy=failed is None,
        levels=[r.as_dict() for r in results],
        failed_level=failed.level if failed else None,
        configured_levels=list(configured),
        not_configured=[n for n in LEVEL_NAMES if n not in configured and (level is None or n <= level)],
        warnings=[w for r in results for w in r.warnings])
    if failed is not None:
        raise HealthCheckFailedError(f"{service}/{env} {rel.version}: {failed.describe()}",
                                     hint=failed.hint or "`shipmate logs` shows the instance's output",
                                     details={**out.to_json(), "level": failed.level})
    return out
