"""find_strays: instances of this home that nobody knows about (left by a crashed shipmate)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from target_support import TrackedTarget, log_of, pid_of, python_argv

from shipmate.model import LaunchSpec

SLEEPER = python_argv("import time; time.sleep(600)")


def test_finds_unknown_instances_and_ignores_known_ones(target: TrackedTarget,
                                                        make_launch: Callable[..., LaunchSpec],
                                                        home_id: str) -> None:
    known = target.start(make_launch(SLEEPER, instance_id="known-1"))
    stray_launch = make_launch(SLEEPER, instance_id="stray-1", port=45678)
    stray = target.start(stray_launch)

    found = target.find_strays(home_id, {"known-1"})

    assert [ref.instance_id for ref in found] == ["stray-1"]
    ref = found[0]
    assert (pid_of(ref), ref.port, log_of(ref)) == (pid_of(stray), 45678, stray_launch.log_path)
    assert abs(ref.handle["create_time"] - stray.handle["create_time"]) < 1.0
    assert target.is_alive(ref)
    assert {r.instance_id for r in target.find_strays(home_id, set())} == {"known-1", "stray-1"}
    assert pid_of(known) not in [pid_of(r) for r in found]


def test_other_homes_and_stopped_instances_are_not_strays(target: TrackedTarget,
                                                          make_launch: Callable[..., LaunchSpec],
                                                          home_id: str) -> None:
    ref = target.start(make_launch(SLEEPER))
    assert target.find_strays(f"other-{uuid.uuid4().hex}", set()) == []
    target.stop(ref, grace=2)
    assert target.find_strays(home_id, set()) == []
