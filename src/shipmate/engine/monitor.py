"""The watch after the switch: probe the live release through its public port, then judge.

Kamal stops checking once the new container is up; we keep watching for `monitor.duration`
and roll back in seconds when the window fails (a dead instance fails it at the next tick).
"""

from __future__ import annotations

import time
from math import ceil

from shipmate.analysis.window import Sample, Thresholds, evaluate
from shipmate.engine import probe_set
from shipmate.engine.context import Runtime, ref_of
from shipmate.model import Phase, Verdict
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow


def watch(rt: Runtime, config: ReleaseConfig, row: InstanceRow, duration_s: float) -> Verdict:
    mon = config.monitor
    rules = Thresholds(error_rate=mon.error_rate, p95_ms=mon.p95_ms, min_samples=mon.min_samples,
                       expected_samples=max(1, ceil(duration_s / mon.interval_s)))
    probes = probe_set.instance_probes(config, rt.target, ref_of(row))
    public = probe_set.public_probe(config, config.health.timeout_s)
    samples: list[Sample] = []
    end = time.monotonic() + duration_s
    while True:
        tick = time.monotonic()
        direct = probe_set.run_all(probes)
        alive = direct[0].phase is Phase.PASS
        seen = public.run()
        failing = [r for r in (*direct, seen) if r.phase is not Phase.PASS]
        samples.append(Sample(ok=not failing, latency_ms=seen.latency_ms,
                              detail="; ".join(f"{r.probe}: {r.detail}" for r in failing),
                              fatal=not alive))
        early = evaluate(samples, rules, final=False)
        if early is not None:
            return early
        rt.progress("monitoring", {"samples": len(samples), "errors": sum(not s.ok for s in samples),
                                   "remaining_s": round(max(0.0, end - time.monotonic()), 1)})
        if time.monotonic() + mon.interval_s > end + 1e-3:
            break
        time.sleep(max(0.0, mon.interval_s - (time.monotonic() - tick)))
    final = evaluate(samples, rules, final=True)
    assert final is not None  # final=True always decides
    return final
