"""Canary deploys through the real router, as a user runs them: real servers, real load.

Versions are told apart by the response body's ``version``; the router's ``shipmate_side``
cookie names the side (stable or canary) a sticky client was sent to.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.load import Load, get_many
from tests.e2e.real_servers import SERVERS, canary_block, write_server_spec
from tests.e2e.strategy_runs import (
    DEPLOYS,
    LONG_TIMEOUT_S,
    ZERO_DOWNTIME_SERVERS,
    deploys_under_load,
    failing_release_under_load,
    step_names,
)
from tests.waiting import wait_until

HOLD_S = 20             # a canary step long enough to measure inside it
MEASURE_WITHIN_S = 12   # ...and the measurement must end well before the step does


def _start_canary(project: Project, version: str) -> subprocess.Popen[str]:
    """Spawn `deploy --json` and return once the public port has answered from ``version`` (its canary)."""
    proc = project.spawn("deploy", "--version", version, "--json")
    wait_until(lambda: project.serves(version) or proc.poll() is not None, 90, f"the canary {version} to take traffic")
    assert proc.poll() is None, f"deploy ended before its canary step could be measured: {proc.communicate()}"
    return proc


def _finish(project: Project, proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = project.finish(proc, 120)
    assert out.count("\n") == 1, f"--json must print one line:\n{out}\n{err}"
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.slow
@pytest.mark.timeout(LONG_TIMEOUT_S)
@pytest.mark.parametrize("server", ZERO_DOWNTIME_SERVERS)
def test_ten_canary_deploys_of_three_replicas_under_keepalive_load_lose_no_request(
        project: Project, server: str, record_property: Callable[[str, object], None]) -> None:
    spec = SERVERS[server]
    write_server_spec(project, spec, strategy="canary", replicas=3, monitor="1s", drain="2s",
                      extra=canary_block((25, "1s"), (50, "1s")))

    def both_steps_ran(out: dict[str, Any]) -> None:
        assert step_names(out).count("set_weight") == 2, out["steps"]

    record = deploys_under_load(project, spec, record_property, both_steps_ran, replicas=3)
    answered = {o.version for o in record.outcomes}
    assert {f"v{n}" for n in range(DEPLOYS + 1)} <= answered, f"some release never answered: {sorted(answered)}"


@pytest.mark.slow
def test_canary_failing_40_percent_of_real_requests_is_rolled_back_against_the_stable_side(
        project: Project) -> None:
    app = SERVERS["sample-app"]
    # error_rate alone could not fail 40 %: only the canary step's comparison with stable (its default
    # limit, as rollback_if leaves max_error_rate_increase unset) can.
    write = partial(write_server_spec, project, app, strategy="canary", replicas=2, monitor="2s", interval="200ms",
                    rollback_if="{error_rate: 0.5, p95_ms: 3000}", extra=canary_block((25, "10s"), (50, "10s")))
    details = failing_release_under_load(project, write)
    verdict = details["verdict"]
    assert verdict["phase"] == "fail", verdict
    assert verdict["decided_by"] == "canary.max_error_rate_increase", verdict
    canary = [r for r in verdict["evidence"]["rules"] if r["source"] == "canary"]
    assert len(canary) == 1 and canary[0]["status"] == "fail", verdict["evidence"]
    counts = re.fullmatch(r"new (\d+)/(\d+) failed, stable (\d+)/(\d+) failed.*", canary[0]["detail"])
    assert counts, canary[0]
    new_failed, new_total, stable_failed, stable_total = map(int, counts.groups())
    assert new_total >= 20 and stable_total >= 20, canary[0]
    assert new_failed / new_total > 0.25 and stable_failed == 0, canary[0]
    # The canary never got all the traffic, and all of it is back on the stable side.
    done = step_names(details)
    assert "set_weight" in done and "switch_route" not in done and "promote" not in done, details["steps"]
    env = project.json("status")["environments"][0]
    assert env["current"]["version"] == "v1" and env["current"]["live"] == 2, env
    wait_until(lambda: project.census("/health") == (2, 2), 15, "the canary's instances to be stopped")


@pytest.mark.slow
def test_canary_at_weight_25_gets_between_15_and_35_percent_of_2000_requests(
        project: Project, record_property: Callable[[str, object], None]) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, strategy="canary", replicas=2, monitor="1s", drain="1s",
                      extra=canary_block((25, f"{HOLD_S}s")))
    project.json("deploy", "--version", "v1")
    proc = _start_canary(project, "v2")
    started = time.monotonic()
    replies = get_many(project.port, 2000)
    took = time.monotonic() - started
    still_in_step = proc.poll() is None
    out = _finish(project, proc)
    assert out["state"] == "succeeded", out
    assert still_in_step and took < MEASURE_WITHIN_S, f"2,000 requests took {took:.1f}s: not all inside the step"
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200][:5]
    versions = [r.version for r in replies]
    assert set(versions) == {"v1", "v2"}, set(versions)
    share = versions.count("v2") / len(versions)
    record_property("canary_share", round(share, 4))
    record_property("measure_s", round(took, 2))
    assert 0.15 <= share <= 0.35, f"the canary got {share:.1%} of 2,000 requests at weight 25"


@pytest.mark.slow
def test_sticky_canary_keeps_a_client_holding_the_side_cookie_on_one_side(project: Project) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, strategy="canary", replicas=2, monitor="1s", drain="1s",
                      extra=canary_block((25, f"{HOLD_S}s"), sticky=True))
    project.json("deploy", "--version", "v1")
    proc = _start_canary(project, "v2")
    started = time.monotonic()
    # A client without the cookie is told which side answered it.
    first = get_many(project.port, 200)
    sides = {(r.side_cookie, r.version) for r in first}
    assert sides == {("stable", "v1"), ("canary", "v2")}, sides
    # A client holding the cookie stays on its side: every request answered by one version, no new cookie.
    held = {side: get_many(project.port, 300, cookie=f"shipmate_side={side}") for side in ("stable", "canary")}
    took = time.monotonic() - started
    still_in_step = proc.poll() is None
    out = _finish(project, proc)
    assert out["state"] == "succeeded", out
    assert still_in_step and took < MEASURE_WITHIN_S, f"measuring took {took:.1f}s: not all inside the step"
    for side, version in (("stable", "v1"), ("canary", "v2")):
        seen = {(r.status, r.version) for r in held[side]}
        assert seen == {(200, version)}, f"a client holding shipmate_side={side} got {seen}"
        assert all(r.side_cookie is None for r in held[side]), f"{side}: the router re-issued the cookie"


@pytest.mark.slow
def test_healthy_canary_judged_against_stable_passes_its_final_monitor_window(project: Project) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, replicas=2, monitor="1s")
    project.json("deploy", "--version", "v1")
    write_server_spec(project, app, strategy="canary", replicas=2, monitor="1s", interval="200ms",
                      rollback_if="{error_rate: 0.05, p95_ms: 3000, max_error_rate_increase: 0.1}",
                      extra=canary_block((50, "2s")))
    with Load(project.port, keepalive=2, fresh=0, path="/") as load:
        out = project.json("deploy", "--version", "v2", expect=None)
        load.stop()
    assert out.get("state") == "succeeded", out.get("error", {}).get("message", out)


@pytest.mark.slow
def test_healthy_canary_of_a_service_without_traffic_is_judged_by_its_probes(project: Project) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, strategy="canary", replicas=2, monitor="1s", extra=canary_block((25, "1s")))
    project.json("deploy", "--version", "v1")
    out = project.json("deploy", "--version", "v2", expect=None)
    assert out.get("state") == "succeeded", out.get("error", {}).get("message", out)
