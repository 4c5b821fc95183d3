"""Which backups to keep: the newest ``keep``, none older than ``max_age`` — but never the newest one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dated:
    backup_id: str
    created_at: float


@dataclass(frozen=True)
class RetentionDecision:
    keep: tuple[str, ...]
    remove: tuple[str, ...]


def decide(backups: list[Dated], *, keep: int, max_age_s: float, now: float) -> RetentionDecision:
    """Pure: newest first, the first ``keep`` stay unless older than ``max_age_s``; the newest always stays
    (a service with an old backup and no new one keeps its only way back)."""
    ordered = sorted(backups, key=lambda b: (b.created_at, b.backup_id), reverse=True)
    kept: list[str] = []
    removed: list[str] = []
    for position, backup in enumerate(ordered):
        too_many = position >= keep
        too_old = now - backup.created_at > max_age_s
        if position == 0 or not (too_many or too_old):
            kept.append(backup.backup_id)
        else:
            removed.append(backup.backup_id)
    return RetentionDecision(tuple(kept), tuple(removed))
