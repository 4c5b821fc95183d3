"""doctor's judgement: worst first in the tree's order, the exit code of the worst error, "ready" when clean."""

from __future__ import annotations

from shipmate.analysis.diagnosis import Finding, exit_code_of, ordered, summary

LOCK = Finding("locks.stale", "warning", "lock web/default was never released", "shipmate doctor --fix", 4, True)
SECRET = Finding("prereq.secret_missing", "error", "secret API_KEY has no value", "shipmate secrets set API_KEY", 7)
ROUTER = Finding("router.down", "error", "the router is not running", "shipmate doctor --fix", 3, True)
MEMORY = Finding("memory.last_failure", "warning", "the last deployment failed", "shipmate explain dep_1")


def test_nothing_found_is_ready_and_exits_0() -> None:
    assert (summary([]), exit_code_of([])) == ("ready", 0)


def test_warnings_alone_exit_0_and_say_ready_with_them() -> None:
    assert exit_code_of([LOCK, MEMORY]) == 0
    assert summary([LOCK, MEMORY]) == "ready with 2 warnings"


def test_the_worst_error_in_the_trees_order_gives_the_exit_code() -> None:
    found = [LOCK, ROUTER, MEMORY, SECRET]
    assert [f.id for f in ordered(found)] == ["prereq.secret_missing", "router.down", "memory.last_failure",
                                              "locks.stale"]
    assert exit_code_of(found) == 7
    assert summary(found, ["restarted the router"]) == ("not ready: 2 errors, 2 warnings; fixed 1; "
                                                         "first: prereq.secret_missing")


def test_an_error_without_a_code_of_its_own_exits_5() -> None:
    assert exit_code_of([Finding("levels.level_3", "error", "x", "y")]) == 5
