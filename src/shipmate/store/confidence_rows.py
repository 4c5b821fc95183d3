"""The confidence score stored on a deployment (migration 4), and the history its inputs come from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shipmate.errors import NotFoundError
from shipmate.secrets.redact import redact_tree
from shipmate.store import schema
from shipmate.store.rows import DeploymentRow

_dep, _rel = schema.deployments, schema.releases


def set_confidence(conn: Connection, deployment_id: str, data: dict[str, Any]) -> None:
    done = conn.execute(_dep.update().where(_dep.c.id == deployment_id).values(confidence=redact_tree(data)))
    if done.rowcount == 0:
        raise NotFoundError(f"no deployment {deployment_id}", hint="see `shipmate history`")


def deployments_of_version(conn: Connection, service: str, version: str, limit: int = 200) -> list[DeploymentRow]:
    """Deployments of any release of ``service`` with this version, in every environment, newest first."""
    stmt = (select(_dep).join(_rel, _rel.c.id == _dep.c.release_id)
            .where(_dep.c.service == service, _rel.c.version == version)
            .order_by(_dep.c.started_at.desc()).limit(limit))
    return [DeploymentRow.of(m) for m in conn.execute(stmt).mappings()]
