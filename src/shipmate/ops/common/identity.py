"""Who decides, and through which face: the identity every approval decision records.

The CLI on the host names the OS user (the effective uid's passwd entry, never SHIPMATE_ACTOR, which an
agent may set to anything); an MCP client is named by its own claim and is never a person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Face = Literal["cli", "mcp", "http", "inbox"]


@dataclass(frozen=True)
class Identity:
    actor: str        # user:<name> | mcp:<client name> | token:<name> | inbox:<requested_by>
    face: Face
    person: bool      # a channel that identifies a person (may grant without a one-time code)

    def as_dict(self) -> dict[str, object]:
        return {"actor": self.actor, "face": self.face, "person": self.person}


def os_user() -> str:
    """The passwd name of the effective uid (uid:<n> when the system has no entry for it)."""
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def host_people() -> list[str]:
    """user:<name> of every account on this host: who may have been shown a personal one-time code."""
    import pwd

    return [f"user:{entry.pw_name}" for entry in pwd.getpwall()] + [f"user:{os_user()}"]


def cli_identity() -> Identity:
    return Identity(actor=f"user:{os_user()}", face="cli", person=True)


def mcp_identity(client: str) -> Identity:
    """``client`` is the MCP client's name (or already `mcp:<name>`)."""
    name = client if client.startswith("mcp:") else f"mcp:{client}"
    return Identity(actor=name[:100], face="mcp", person=False)


def inbox_identity(requested_by: str) -> Identity:
    """An inbox task is an agent's request: never a person, whatever the file says about approval."""
    return Identity(actor=f"inbox:{requested_by}"[:100], face="inbox", person=False)
