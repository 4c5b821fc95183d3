"""The typed results serialise to the `--json` objects exactly: optional keys only when set, order kept."""

from __future__ import annotations

import json

from shipmate.ops.results.audit import ChainCheck, EventsResult
from shipmate.ops.results.deployments import DeploymentRecord, HistoryResult, NoChangeResult, release_result
from shipmate.ops.results.json_result import as_json
from shipmate.ops.results.status import NeverDeployedEnvironment, StatusResult

SUMMARY = {"deployment_id": "dep_1", "trace_id": "T-1", "service": "web", "environment": "default", "version": "1.0",
           "kind": "deploy",
           "state": "succeeded", "previous_version": None, "verified": True, "confidence": 0.9, "verdict": None,
           "error": None, "warnings": [], "origin": None,
           "steps": [{"name": "preflight", "status": "done", "duration_s": 0.01}], "artifact_short": None}


def test_a_never_deployed_environment_has_only_its_four_keys() -> None:
    result = StatusResult("web", "/tmp/x/.shipmate", [NeverDeployedEnvironment("default")])
    assert result.to_json() == {"service": "web", "home": "/tmp/x/.shipmate", "environments": [
        {"environment": "default", "current": None, "serving": False, "instances": []}]}


def test_a_history_row_names_its_environment_first_and_a_status_row_leaves_it_out() -> None:
    fields = {"deployment_id": "dep_1", "trace_id": "T-1", "version": "1.0", "kind": "deploy", "state": "succeeded",
              "strategy": "blue-green", "verified": True, "started_at": 1.0, "finished_at": 2.5, "duration_s": 1.5,
              "actor": "user:ann", "error": None, "confidence": None, "origin": None, "artifact_short": None}
    row = DeploymentRecord(environment="production", **fields)
    assert list(row.to_json()) == ["environment", *fields]
    assert DeploymentRecord(**fields).to_json() == fields
    assert HistoryResult("web", [row]).to_json()["deployments"][0]["environment"] == "production"


def test_the_chain_check_appears_only_with_verify() -> None:
    assert EventsResult("web", []).to_json() == {"service": "web", "events": []}
    chain = ChainCheck(ok=True, first_bad_seq=None, checked=3, mirror_ok=True, mirror="")
    assert EventsResult("web", [], chain=chain).to_json()["chain"] == {
        "ok": True, "first_bad_seq": None, "checked": 3, "mirror_ok": True, "mirror": ""}


def test_a_release_summary_round_trips_with_what_the_gates_added_in_order() -> None:
    approval = {"approval_id": "apr_1", "approved_by": "user:bob", "face": "cli"}
    given = {**SUMMARY, "approval": approval, "backup": {"backup_id": "bk-1"}}
    result = release_result(given)
    assert result.to_json() == given and list(result.to_json()) == list(given)
    assert release_result(SUMMARY).to_json() == SUMMARY


def test_a_noop_is_its_own_type_and_reads_like_its_json() -> None:
    noop = {"noop": True, "service": "web", "environment": "default", "version": "1.0",
            "message": "1.0 is already running (use --force)"}
    result = release_result(noop)
    assert isinstance(result, NoChangeResult) and result["noop"] is True and dict(result) == noop
    assert json.loads(json.dumps(as_json(result))) == noop


def test_a_backup_listing_and_an_explanation_give_nested_objects_in_their_json() -> None:
    from shipmate.ops.results.backups import BackupEntry, BackupsList
    from shipmate.ops.results.explanations import Calibration, Explanation

    entry = {"backup_id": "b1", "name": "web.tar.gz", "created_at": 1.0, "bytes": 10, "sha256": "ab", "files": 1,
             "uncompressed_bytes": 20, "manifest": True}
    listing = BackupsList("web", "default", "/tmp/b", [BackupEntry(**entry)])
    assert json.loads(json.dumps(listing.to_json()))["backups"] == [entry]
    explained = Explanation(deployment_id="dep_1", service="web", environment="default", version=None,
                            kind="deploy", actor="user:ann", state="running", verified=None, error=None,
                            confidence=None, calibration=Calibration(predicted=None, actual=None))
    assert explained["calibration"] == {"predicted": None, "actual": None}
    assert list(explained.to_json())[-1] == "calibration"
