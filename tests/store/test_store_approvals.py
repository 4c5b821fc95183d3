"""Approvals in a real SQLite file: one decision wins, expiry is final, an approval is used once, migration 5."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.store.store_support import raw_sql

from shipmate.store import Store


def _ask(store: Store, **over: Any) -> str:
    values: dict[str, Any] = {
        "service": "web", "environment": "production", "action": "deploy", "release_id": None, "version": "1.0.0",
        "digest": "sha256:aaa", "requested_by": "agent:ci", "requested_face": "mcp",
        "expires_at": time.time() + 3600, "code_hash": "ab" * 32, "diff": {"first_deploy": True},
        "confidence": None, **over}
    return store.create_approval(**values).id


def test_a_pending_approval_is_decided_once_and_its_code_hash_is_consumed(store: Store) -> None:
    approval_id = _ask(store)
    decided = store.decide_approval(approval_id, state="approved", decided_by="user:ann", decided_face="cli",
                                    comment="ok")
    assert decided is not None and (decided.state, decided.decided_by, decided.code_hash) == ("approved",
                                                                                            "user:ann", None)
    assert store.decide_approval(approval_id, state="rejected", decided_by="user:bob", decided_face="cli",
                                 comment="no") is None
    row = store.get_approval(approval_id)
    assert row is not None and row.state == "approved" and "code_hash" not in row.public()


def test_two_deciders_at_once_leave_exactly_one_decision(home: Path) -> None:
    with Store.open(home) as store:
        approval_id = _ask(store)
    outcomes: list[bool] = []

    def decide(state: str) -> None:
        with Store.open(home) as own:
            outcomes.append(own.decide_approval(approval_id, state=state, decided_by=f"user:{state}",
                                                decided_face="cli", comment=None) is not None)
    threads = [threading.Thread(target=decide, args=(state,)) for state in ("approved", "rejected") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [False] * 7 + [True]


def test_expiry_turns_open_approvals_expired_with_an_event_and_blocks_decisions(store: Store) -> None:
    past = time.time() - 1
    pending = _ask(store, expires_at=past)
    granted = _ask(store, version="1.0.1")
    store.decide_approval(granted, state="approved", decided_by="user:ann", decided_face="cli", comment=None)
    assert store.decide_approval(pending, state="approved", decided_by="user:ann", decided_face="cli",
                                 comment=None) is None   # past its expiry, even before expire_approvals ran
    expired = store.expire_approvals(now=time.time() + 7200)
    assert {row.id for row in expired} == {pending, granted} and {row.state for row in expired} == {"expired"}
    assert [e.event_type for e in store.events(limit=10)].count("approval.expired") == 2
    assert store.use_approval(granted, used_by="agent:ci") is None


def test_an_approved_approval_is_used_by_one_deployment_only(store: Store) -> None:
    approval_id = _ask(store)
    assert store.use_approval(approval_id, used_by="agent:ci") is None   # not approved yet
    store.decide_approval(approval_id, state="approved", decided_by="user:ann", decided_face="cli", comment=None)
    used = store.use_approval(approval_id, used_by="agent:ci")
    assert used is not None and used.state == "used"
    assert store.use_approval(approval_id, used_by="agent:other") is None
    store.link_approval(approval_id, "dep_123")
    row = store.get_approval(approval_id)
    assert row is not None and row.used_by_deployment == "dep_123"


def test_approvals_filter_by_the_exact_release_newest_first(store: Store) -> None:
    first = _ask(store)
    _ask(store, digest="sha256:bbb")
    second = _ask(store)
    found = store.approvals(service="web", environment="production", action="deploy", version="1.0.0",
                            digest="sha256:aaa", states=("pending",))
    assert [row.id for row in found] == [second, first]


def test_a_database_from_before_migration_5_gets_the_approvals_table(home: Path) -> None:
    with Store.open(home) as old:
        raw_sql(old, "DROP TABLE approvals")
        raw_sql(old, "DELETE FROM schema_version WHERE version >= 5")  # and later: migrate() resumes after the top
    with Store.open(home) as store:
        assert store.approvals() == []
        assert store.get_approval(_ask(store)) is not None
        versions = raw_sql(store, "SELECT version FROM schema_version")
    assert 5 in {v for (v,) in versions}


def test_a_withdrawal_ends_an_open_request_once_and_never_a_used_one(store: Store) -> None:
    pending, granted = _ask(store), _ask(store, version="1.0.1")
    store.decide_approval(granted, state="approved", decided_by="user:ann", decided_face="cli", comment=None)
    for approval_id in (pending, granted):
        row = store.withdraw_approval(approval_id, withdrawn_by="agent:ci", face="mcp", comment="oops")
        assert row is not None and (row.state, row.decided_by, row.code_hash) == ("withdrawn", "agent:ci", None)
        assert store.withdraw_approval(approval_id, withdrawn_by="agent:ci", face="mcp", comment=None) is None
    used = _ask(store, version="1.0.2")
    store.decide_approval(used, state="approved", decided_by="user:ann", decided_face="cli", comment=None)
    assert store.use_approval(used, used_by="agent:ci") is not None
    assert store.withdraw_approval(used, withdrawn_by="agent:ci", face="mcp", comment=None) is None
    assert [e.event_type for e in store.events(service="web")].count("approval.withdrawn") == 2


def test_decider_tokens_keep_only_hashes_never_reuse_a_name_and_revoke_for_good(store: Store) -> None:
    added = store.add_decider_token("ann", "11" * 32, created_by="user:root", service="web")
    assert added is not None and store.add_decider_token("ann", "22" * 32, created_by="user:root") is None
    assert store.decider_of("11" * 32) == "ann" and store.decider_of("33" * 32) is None
    assert store.revoke_decider_token("ann", revoked_by="token:ann", service="web")
    assert not store.revoke_decider_token("ann", revoked_by="token:ann")
    assert store.decider_of("11" * 32) is None
    [row] = store.decider_tokens()
    assert row.name == "ann" and row.revoked_at is not None and "11" * 32 not in str(row.as_dict())
    assert store.add_decider_token("ann", "44" * 32, created_by="user:root") is None   # a name is one person
