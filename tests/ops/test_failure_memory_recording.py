"""ops/common/failure_memory against a real SQLite store: what is remembered, what settles, and that the memory
never hides the failure it describes."""

from __future__ import annotations

from pathlib import Path

from shipmate.analysis.failure_signature import FailureFacts
from shipmate.errors import DeploymentFailedError, InvalidInputError, PrerequisiteMissingError
from shipmate.ops.common.failure_memory import remember, remember_facts, settle_success
from shipmate.store import Store


def _failed(text: str, dep: str) -> DeploymentFailedError:
    exc = DeploymentFailedError(f"web 1.0.0 failed and was rolled back: {text}", hint="see `shipmate logs`")
    exc.details = {"deployment_id": dep, "error": text, "steps": [{"name": "wait_healthy", "status": "failed"}]}
    return exc


def test_bad_input_is_not_a_failure_and_gets_no_known_fixes(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h") as store:
        exc = InvalidInputError("--level must be 1 to 5, got 9")
        remember(store, exc, service="web", environment="default", kind="check", target_kind="process")
        assert "known_fixes" not in exc.details
        assert store.memory.memory_stats().failures == 0


def test_a_failure_is_signed_by_its_failed_step_and_recorded_with_its_deployment(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h") as store:
        exc = _failed("the process exited with code 3; its last output: boom", "dep_1")
        remember(store, exc, service="web", environment="default", kind="deploy", target_kind="process")
        assert next(iter(exc.details)) == "known_fixes"
        assert exc.details["known_fixes"][0]["id"] == "fix_starter_crash_loop"
        sig = store.memory.get_signature(exc.details["memory"]["signature"])
        assert sig is not None and (sig.phase, sig.exit_code, sig.target_kind) == ("wait_healthy", 3, "process")
        assert store.memory.failure_of_deployment("dep_1") is not None


def test_a_restart_loop_from_supervision_is_recorded_and_settles_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h") as store:
        remember(store, _failed("the process exited with code 3", "dep_1"), service="web", environment="default",
                 kind="deploy", target_kind="process")
        fixes, extra = remember_facts(store, FailureFacts("restart", "process", "crash_loop",
                                                          "instance ins_9 exited with code 3, restarted 5 times"),
                                      words="crash loop: restarted 5 times", message="crash loop", service="web",
                                      environment="default", kind="restart", deployment_id="dep_1")
        assert fixes[0]["id"] == "fix_starter_crash_loop" and extra["failure_id"].startswith("fai_")
        assert len(store.memory.open_failures("web", "default")) == 2   # a restart is no new deployment


def test_success_after_a_note_credits_the_note_and_the_fix_offered_first(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h") as store:
        remember(store, _failed("GET /healthz -> 404", "dep_1"), service="web", environment="default",
                 kind="deploy", target_kind="process")
        settle_success(store, "web", "default", "dep_2", "route is /health")
        [note] = [f for f in store.memory.fixes() if f.source == "note"]
        counts = store.memory.fix_counts([note.id, "fix_starter_health_path"])
        assert counts[note.id].as_dict() == {"worked": 1, "tried": 1}
        assert counts["fix_starter_health_path"].as_dict() == {"worked": 1, "tried": 1}
        assert store.memory.open_failures("web", "default") == []


def test_a_broken_memory_adds_a_warning_and_keeps_the_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h")
    store.close()
    store._db.path.unlink()   # the database went away under us
    exc = PrerequisiteMissingError("port 8080 is already in use on 127.0.0.1")
    try:
        remember(store, exc, service="web", environment="default", kind="deploy", target_kind="process")
    finally:
        store.close()
    assert exc.message == "port 8080 is already in use on 127.0.0.1"
    assert "known_fixes" not in exc.details
    [warning] = exc.details["warnings"]
    assert warning.startswith("failure memory: ")


def test_a_secret_value_in_the_error_never_reaches_the_memory(tmp_path: Path) -> None:
    from shipmate.secrets import redact

    canary = "canary-Secret-4711-value"
    redact.remember(canary)
    try:
        with Store.open(tmp_path / "h") as store:
            remember(store, _failed(f"the process exited with code 1; its last output: token={canary}", "dep_1"),
                     service="web", environment="default", kind="deploy", target_kind="process")
        files = sorted((tmp_path / "h").glob("state.db*"))   # the database and its write-ahead log
        assert files and all(canary.encode() not in f.read_bytes() for f in files)
        with Store.open(tmp_path / "h") as store:
            [failure] = store.memory.failures()
            assert canary not in failure.message and "***" in failure.message
    finally:
        redact.forget_all()
