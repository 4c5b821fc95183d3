"""One liveness round on one instance: the release's level 1-3 checks (process, endpoint, application),
as Kubernetes' liveness probe or Docker's HEALTHCHECK would run them, but from the spec's own checks."""

from __future__ import annotations

from shipmate.engine import probe_set
from shipmate.engine.context import Runtime, ref_of
from shipmate.model import Phase
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow

LIVENESS_LEVELS = 3


def check(rt: Runtime, config: ReleaseConfig, row: InstanceRow) -> tuple[bool, str]:
    """(passed, what failed); stops at a dead process like the deploy gate does."""
    probes = [probe for level, probe in probe_set.leveled_probes(config, rt.target, ref_of(row))
              if level <= LIVENESS_LEVELS]
    failing = [r for r in probe_set.run_all(probes) if r.phase is not Phase.PASS]
    return not failing, "; ".join(f"{r.probe}: {r.detail}" for r in failing)
