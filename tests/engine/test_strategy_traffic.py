"""How each strategy moves traffic, checked change by change on a recording router (fake world).

The end-to-end tests check the same promises with real servers under load; these pin the
orchestration itself: one membership change at a time, the availability floor, the surge ceiling,
and the canary's share whatever each side's size.
"""

from __future__ import annotations

import pytest

from shipmate.engine.context import Runtime
from shipmate.engine.routing import split_weights
from shipmate.ops.common.release_run import run_release
from tests.engine.fake_world import FakeTarget, RecordingRouter, release
from tests.waiting import free_port


@pytest.mark.parametrize(("surge", "unavailable", "floor", "ceiling"), [(1, 1, 4, 5), (0, 1, 3, 4), (2, 1, 4, 6),
                                                                      (0, 2, 2, 4)])
def test_rolling_changes_membership_one_instance_at_a_time_within_floor_and_ceiling(
        world: tuple[Runtime, FakeTarget, RecordingRouter], surge: int, unavailable: int, floor: int,
        ceiling: int) -> None:
    rt, target, router = world
    port = free_port()
    shape = {"strategy": "rolling", "replicas": 4, "port": port, "max_surge": surge, "max_unavailable": unavailable}
    run_release(rt, release("1.0.0", **shape), kind="deploy", force=False)  # type: ignore[arg-type]
    first_change = len(router.changes)
    target.peak_alive = len(target.alive_ids())
    run_release(rt, release("2.0.0", **shape), kind="deploy", force=False)  # type: ignore[arg-type]
    changes = router.changes[first_change:]
    assert changes, "the rolling update moved traffic"
    previous = {b.instance_id for b in router.changes[first_change - 1][1]}
    for _, members, _ in changes:
        now = {b.instance_id for b in members}
        assert len(now ^ previous) == 1, "each change adds or removes exactly one instance"
        assert len(now) >= floor
        previous = now
    assert target.peak_alive <= ceiling
    assert max(alive for _, _, alive in changes) <= ceiling
    assert router.members(port) == {"2.0.0": 4}
    assert target.alive_versions() == {"2.0.0": 4}


def test_canary_steps_give_the_canary_its_share_and_stickiness_then_all_traffic(
        world: tuple[Runtime, FakeTarget, RecordingRouter]) -> None:
    rt, target, router = world
    port = free_port()
    run_release(rt, release("1.0.0", port=port, replicas=3), kind="deploy", force=False)
    first_change = len(router.changes)
    config = release("2.0.0", port=port, replicas=2, strategy="canary", canary=[(10, 0.05), (60, 0.05)])
    config = type(config)(**{**config.__dict__, "canary_sticky": True})
    run_release(rt, config, kind="deploy", force=False)
    shares = []
    for _, members, _ in router.changes[first_change:]:
        total = sum(b.weight for b in members)
        canary = sum(b.weight for b in members if b.version == "2.0.0")
        shares.append(round(100 * canary / total))
    assert shares == [10, 60, 100]
    assert router.sticky[first_change:] == [True, True, False], "sticky while split, not after"
    assert router.members(port) == {"2.0.0": 2}
    assert target.alive_versions() == {"2.0.0": 2}


@pytest.mark.parametrize(("weight", "canaries", "stables"), [(10, 1, 1), (25, 3, 1), (50, 2, 5), (99, 4, 3),
                                                             (1, 32, 32)])
def test_split_weights_give_the_canary_side_exactly_its_share(weight: int, canaries: int, stables: int) -> None:
    each_canary, each_stable = split_weights(weight, canaries, stables)
    assert each_canary > 0 and each_stable > 0
    total = each_canary * canaries + each_stable * stables
    assert each_canary * canaries * 100 == weight * total
