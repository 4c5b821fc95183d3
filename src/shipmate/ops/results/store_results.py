"""What the `store` commands return: a copy into PostgreSQL, and the homes a store holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class StoreCopied(JsonResult):
    """`store copy --to URL`: rows added per table (all 0 on a second run) and the verified chain's head."""

    source: str
    target: str
    added: dict[str, int]
    total_added: int
    events: int
    head_hash: str | None
    chain_verified: bool


@dataclass(frozen=True)
class StoreHome(JsonResult):
    """One project home in the store: its host and folder, and what it serves (service/environment/version)."""

    host: str
    home: str
    schema: str | None
    last_seen: float | None
    services: list[dict[str, Any]]


@dataclass(frozen=True)
class StoreHomes(JsonResult):
    """Every home this host's store holds: all hosts' homes for a shared PostgreSQL, this host's for SQLite."""

    backend: str
    location: str
    homes: list[StoreHome]
