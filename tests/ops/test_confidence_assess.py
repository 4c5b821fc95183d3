"""assess() counts its inputs from a real store: successes here, failed runs of the version, changed keys."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from shipmate.model import DeploymentState
from shipmate.ops.gates.confidence import assess, previous_config_of
from shipmate.release_config import ReleaseConfig
from shipmate.store import Store, migrations
from shipmate.store.owners import this_process_owner
from tests.engine.fake_world import release


def _record(store: Store, config: ReleaseConfig, outcome: DeploymentState, *, current: bool = False,
            samples: int | None = None) -> str:
    """A finished deployment of ``config`` as the engine leaves it (planned -> running -> outcome)."""
    key = f"{config.service}/{config.environment}"
    fencing = store.acquire_lock(key, owner=this_process_owner("deploy", "t"), lease_seconds=60).fencing
    rel = store.ensure_release(config.service, config.version, config.digest, config.to_dict(), "fake")
    dep = store.create_deployment(service=config.service, environment=config.environment, release_id=rel.id,
                                  kind="deploy", strategy="blue-green", plan={}, previous_release_id=None,
                                  trace_id="t", actor="t", fencing=fencing)
    store.set_state(dep.id, DeploymentState.RUNNING, fencing=fencing)
    if outcome is DeploymentState.ROLLED_BACK:
        store.set_state(dep.id, DeploymentState.ROLLING_BACK, fencing=fencing)
    verdict = None if samples is None else {"phase": "pass", "samples": samples}
    store.set_state(dep.id, outcome, fencing=fencing, verified=outcome is DeploymentState.SUCCEEDED, verdict=verdict)
    if current:
        store.set_current(config.service, config.environment, release_id=rel.id, deployment_id=dep.id,
                          fencing=fencing)
    store.release_lock(key, fencing)
    return dep.id


def test_a_first_deploy_scores_the_base_minus_first_deploy(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        result = assess(store, release("1.0", port=9000), None)
    assert result.score == 0.3 and [f.name for f in result.factors] == ["base", "first_deploy"]


def test_successes_here_and_changed_keys_against_the_current_release_count(tmp_path: Path) -> None:
    v1 = release("1.0", port=9000)
    with Store.open(tmp_path) as store:
        _record(store, v1, DeploymentState.SUCCEEDED)
        _record(store, v1, DeploymentState.SUCCEEDED, current=True)
        v2 = dataclasses.replace(release("2.0", port=9001), env={"TLS_CERT": "/c.pem"})
        previous = previous_config_of(store, "svc", "default")
        assert previous is not None and previous.version == "1.0"
        result = assess(store, v2, previous)
    factors = {f.name: f for f in result.factors}
    assert factors["previous_successes"].delta == 0.1
    assert "env.TLS_CERT" in factors["changed_keys"].detail and "port" in factors["security_change"].detail
    assert result.score == round(0.5 + 0.1 - 0.04 - 0.15, 3)


def test_failed_runs_of_the_version_count_where_it_must_pass_first(tmp_path: Path) -> None:
    staging = dataclasses.replace(release("2.0", port=9000), environment="staging")
    production = dataclasses.replace(staging, environment="production")
    with Store.open(tmp_path) as store:
        _record(store, staging, DeploymentState.ROLLED_BACK)
        _record(store, dataclasses.replace(staging, environment="dev"), DeploymentState.FAILED)
        _record(store, dataclasses.replace(staging, version="1.0"), DeploymentState.FAILED)   # another version
        anywhere = assess(store, production, None)
        in_staging = assess(store, production, None, must_pass_in="staging")
        weighted = assess(store, production, None, must_pass_in="staging", weights={"per_failed_run": 0.3})
    assert {f.name: f.delta for f in anywhere.factors}["failed_runs"] == -0.3
    assert {f.name: f.detail for f in in_staging.factors}["failed_runs"] == "1 failed run(s) of this version in staging"
    assert {f.name: f.delta for f in weighted.factors}["failed_runs"] == -0.3


def test_a_deployment_stores_its_confidence_and_an_old_database_migrates_to_hold_it(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        dep_id = _record(store, release("1.0", port=9000), DeploymentState.SUCCEEDED)
    with sqlite3.connect(tmp_path / "state.db") as conn:     # as shipmate wrote it before migration 4
        conn.execute("ALTER TABLE deployments DROP COLUMN confidence")
        conn.execute("DELETE FROM schema_version WHERE version >= 4")
    conn.close()
    with Store.open(tmp_path) as store:
        row = store.get_deployment(dep_id)
        assert row is not None and row.confidence is None
        store.set_deployment_confidence(dep_id, {"score": 0.7, "factors": [], "weights": {}})
        row = store.get_deployment(dep_id)
        assert row is not None and row.confidence == {"score": 0.7, "factors": [], "weights": {}}
    versions = sqlite3.connect(tmp_path / "state.db").execute("SELECT version FROM schema_version").fetchall()
    assert [v for (v,) in versions] == [m.version for m in migrations.MIGRATIONS]


def test_a_release_that_passed_staging_with_successes_in_production_reaches_0_9(tmp_path: Path) -> None:
    staging = dataclasses.replace(release("2.0", port=9000), environment="staging")
    production = dataclasses.replace(staging, environment="production")
    with Store.open(tmp_path) as store:
        for version in ("1.0", "1.1", "1.2"):
            _record(store, dataclasses.replace(production, version=version), DeploymentState.SUCCEEDED,
                    current=version == "1.2")
        before = assess(store, production, previous_config_of(store, "svc", "production"), must_pass_in="staging")
        _record(store, staging, DeploymentState.SUCCEEDED, current=True, samples=14)
        after = assess(store, production, previous_config_of(store, "svc", "production"), must_pass_in="staging")
        other_config = assess(store, dataclasses.replace(production, config_hash="other"), None, passed_in="staging")
    assert before.score == 0.65 and "passed_first" not in {f.name for f in before.factors}
    factors = {f.name: f for f in after.factors}
    assert after.score == 0.9 and factors["passed_first"].delta == 0.25
    assert factors["passed_first"].detail == "passed its window in staging (14 samples)"
    assert "passed_first" not in {f.name for f in other_config.factors}   # another config did not pass there


def test_a_first_deploy_to_production_after_staging_stays_below_0_9(tmp_path: Path) -> None:
    staging = dataclasses.replace(release("2.0", port=9000), environment="staging")
    with Store.open(tmp_path) as store:
        _record(store, staging, DeploymentState.SUCCEEDED, current=True, samples=30)
        result = assess(store, dataclasses.replace(staging, environment="production"), None, passed_in="staging")
    assert [f.name for f in result.factors] == ["base", "passed_first", "first_deploy"] and result.score == 0.55


def test_known_fixes_with_root_cause_and_prevention_for_the_services_failures_raise_the_score(tmp_path: Path) -> None:
    from shipmate.analysis.failure_signature import FailureFacts, signature_of

    v1 = release("1.0", port=9000)
    with Store.open(tmp_path) as store:
        _record(store, v1, DeploymentState.SUCCEEDED, current=True)
        seen = signature_of(FailureFacts("wait_healthy", "process", "deployment_failed",
                                         "instance ins_1 exited with code 1 before it was healthy"))
        other = signature_of(FailureFacts("preflight", "process", "prerequisite_missing",
                                          "port 9000 is already in use"))
        store.memory.record_failure(dataclasses.asdict(seen), service="svc", environment="default",
                                    deployment_id=None, kind="deployment_failed", message="exited", shown_fix_ids=[])
        store.memory.record_failure(dataclasses.asdict(other), service="another", environment="default",
                                    deployment_id=None, kind="prerequisite_missing", message="port",
                                    shown_fix_ids=[])
        for root_cause, prevention, signature in (("missing import", "a smoke test in CI", seen.key),
                                                  ("", "", seen.key),                      # no root cause: not known
                                                  ("port taken", "free ports", other.key)):   # another service's
            store.memory.add_fix(symptom=f"exits {root_cause or 'at once'}", root_cause=root_cause,
                                 solution="fix it", prevention=prevention, source="test", created_by="t",
                                 signature_id=signature)
        previous = previous_config_of(store, "svc", "default")
        result = assess(store, dataclasses.replace(v1, version="1.1"), previous)
    factors = {f.name: f for f in result.factors}
    assert factors["known_fixes"].delta == 0.03 and "1 known fix" in factors["known_fixes"].detail
