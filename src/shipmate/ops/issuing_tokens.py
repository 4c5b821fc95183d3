"""`shipmate token create|list|revoke`, and who holds a token an HTTP call presents.

A token is `smt_` + 32 random bytes (urlsafe), shown once; the host database keeps its sha256. A plain hash,
not argon2/bcrypt: those slow down guessing a low-entropy password, and a 256-bit random token cannot be
guessed, while every API request verifies one (a slow hash would be a denial-of-service lever).

In an agent's shell only `--agent` tokens can be made: an agent must not mint itself a person's key.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets

from shipmate.errors import ApprovalRefusedError, InvalidInputError, NotFoundError
from shipmate.ops.common.agent_environment import agent_signal
from shipmate.ops.common.host_state import host_home
from shipmate.ops.common.identity import cli_identity
from shipmate.ops.results.tokens import SCOPES, ApiToken, TokenCreated, TokenHolder, TokenRevoked, TokensResult

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
PREFIX = "smt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def token_create(name: str, *, scope: str, agent: bool = False) -> TokenCreated:
    """A new API token for a person (or an agent, with ``agent``), returned once."""
    from shipmate.store.store import Store

    if not NAME.match(name):
        raise InvalidInputError(f"token name {name[:40]!r}: lowercase letters, digits, '.', '_', '-'",
                                hint="e.g. `shipmate token create --scope read --name alice`")
    if scope not in SCOPES:
        raise InvalidInputError(f"--scope {scope[:20]!r}: one of {', '.join(SCOPES)}",
                                hint="read sees, deploy also acts, admin also manages")
    who = cli_identity().actor
    signal = agent_signal(os.environ)
    if signal is not None and not agent:
        raise ApprovalRefusedError(f"an agent's shell may create only --agent tokens: {signal}",
                                   hint="a person runs it in their own terminal, or add --agent")
    token = PREFIX + secrets.token_urlsafe(32)
    with Store.open(host_home()) as store:
        row = store.add_api_token(name, _hash(token), scope=scope, agent=agent, created_by=who)
    if row is None:
        raise InvalidInputError(f"token {name} exists (or existed): names are never reused",
                                hint="`shipmate token list` shows them; pick another name")
    return TokenCreated(ApiToken.of(row), token, "shown once: the host keeps only its sha256")


def token_list() -> TokensResult:
    from shipmate.store.store import Store

    store = Store.open_readonly(host_home())
    if store is None:
        return TokensResult([])
    with store:
        return TokensResult([ApiToken.of(row) for row in store.api_tokens()])


def token_revoke(name: str) -> TokenRevoked:
    from shipmate.store.store import Store

    who = cli_identity().actor
    existing = Store.open_readonly(host_home())   # no host database yet: nothing to revoke, and none is made
    if existing is None:
        raise NotFoundError(f"no active token {name[:64]}", hint="`shipmate token list` shows them")
    existing.close()
    with Store.open(host_home()) as store:
        if not store.revoke_api_token(name, revoked_by=who):
            raise NotFoundError(f"no active token {name[:64]}", hint="`shipmate token list` shows them")
    return TokenRevoked(name, who)


def token_holder(token: str | None) -> TokenHolder | None:
    """The holder of this active token; None for no token, an unknown or a revoked one."""
    from shipmate.store.store import Store

    if not token or not token.strip() or len(token) > 200:
        return None
    store = Store.open_readonly(host_home())
    if store is None:
        return None
    with store:
        row = store.api_token_of(_hash(token))
    return None if row is None else TokenHolder(row.name, row.scope, row.agent)


def token_active(name: str) -> TokenHolder | None:
    """A session's token, still active (a revoked token ends its sessions at the next request)."""
    from shipmate.store.store import Store

    store = Store.open_readonly(host_home())
    if store is None:
        return None
    with store:
        row = store.active_api_token(name)
    return None if row is None else TokenHolder(row.name, row.scope, row.agent)
