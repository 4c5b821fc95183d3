"""`shipmate approvals token add|list|revoke`: people's decider tokens (approval.deciders: tokens).

A token is shown once and stored as its sha256. Deciding with one needs it typed at a terminal prompt:
something an agent on the host does not have. Adding a token is refused in an agent's shell and, once
any token exists, needs an existing one (so a process on the host cannot mint itself a decider).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from shipmate.errors import ApprovalRefusedError, InvalidInputError, NotFoundError
from shipmate.ops.common.agent_environment import agent_signal
from shipmate.ops.common.identity import cli_identity
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.approvals import Decider, DeciderAdded, DeciderRevoked, DecidersResult

if TYPE_CHECKING:
    from shipmate.store.store import Store

AskToken = Callable[[], str | None]
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
PREFIX = "smd_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def add_decider(spec_file: str | None, name: str, *, ask_token: AskToken | None = None) -> DeciderAdded:
    """A new person's token, returned once (the store keeps its hash)."""
    if not NAME.match(name):
        raise InvalidInputError(f"decider name {name[:40]!r}: lowercase letters, digits, '.', '_', '-'",
                                hint="e.g. `shipmate approvals token add alice`")
    ws = Workspace.locate(spec_file)
    service = _service_of(ws)
    store = ws.open_store()
    try:
        who = _person_or_refuse(store, service, "add a decider token")
        if any(t.revoked_at is None for t in store.decider_tokens()):
            who = f"{who} (token:{_decider_or_refuse(store, service, ask_token, 'add a decider token')})"
        token = PREFIX + secrets.token_urlsafe(24)
        added = store.add_decider_token(name, token_hash(token), created_by=who[:128], service=service)
        if added is None:
            raise InvalidInputError(f"decider {name} exists (or existed): names are never reused",
                                    hint="`shipmate approvals token list` shows them; pick another name")
        return DeciderAdded(Decider.of(added), token,
                            "shown once: keep it where only this person can read it (not in the agent's reach)")
    finally:
        store.close()


def list_deciders(spec_file: str | None) -> DecidersResult:
    store = Workspace.locate(spec_file).open_store_readonly()
    if store is None:
        return DecidersResult([])
    try:
        return DecidersResult([Decider.of(t) for t in store.decider_tokens()])
    finally:
        store.close()


def revoke_decider(spec_file: str | None, name: str, *, ask_token: AskToken | None = None) -> DeciderRevoked:
    ws = Workspace.locate(spec_file)
    service = _service_of(ws)
    store = ws.open_store()
    try:
        who = _person_or_refuse(store, service, "revoke a decider token")
        by = _decider_or_refuse(store, service, ask_token, "revoke a decider token")
        if not store.revoke_decider_token(name, revoked_by=f"{who} (token:{by})"[:128], service=service):
            raise NotFoundError(f"no active decider {name[:64]}", hint="`shipmate approvals token list` shows them")
        return DeciderRevoked(name, f"token:{by}")
    finally:
        store.close()


def decider_from(store: Store, ask_token: AskToken | None) -> str | None:
    """The decider whose token was typed, None when none was (or it is unknown or revoked)."""
    given = ask_token() if ask_token is not None else None
    return store.decider_of(token_hash(given)) if given and given.strip() else None


def _service_of(ws: Workspace) -> str:
    """The spec's service, for the audit events (a home serves one spec); "-" when it does not read."""
    from shipmate.errors import ShipmateError
    from shipmate.spec.yaml_source import load_mapping

    try:
        data, _ = load_mapping(ws.spec_path)
    except ShipmateError:
        return "-"
    service = data.get("service")
    return service[:63] if isinstance(service, str) and service else "-"


def _person_or_refuse(store: Store, service: str, what: str) -> str:
    agent = agent_signal(os.environ)
    if agent is not None:
        _audit(store, service, cli_identity().actor, f"cannot {what}: {agent}")
        raise ApprovalRefusedError(f"an agent never manages deciders: {agent}",
                              hint="a person runs it in their own terminal, outside the agent")
    return cli_identity().actor


def _decider_or_refuse(store: Store, service: str, ask_token: AskToken | None, what: str) -> str:
    name = decider_from(store, ask_token)
    if name is None:
        _audit(store, service, cli_identity().actor, f"cannot {what}: no valid decider token was typed")
        raise ApprovalRefusedError(f"to {what}, type an existing decider's token at the prompt (a terminal is needed)",
                              hint="a person who has a decider token runs it in their own terminal")
    return name


def _audit(store: Store, service: str, actor: str, message: str) -> None:
    store.append_event(event_type="approval.refused", service=service, environment="-", version=None,
                       status="refused", notes=message[:500], deployed_by=actor, errors=[message],
                       data={"decision": "decider_token"})
