"""store copy / store homes: moving a home's history into PostgreSQL, and listing the homes a store holds.

``store_homes`` is the read a dashboard uses to show every host's services: with a shared PostgreSQL
(SHIPMATE_STORE or host.yaml ``store:``) it lists every home every host registered there; with SQLite it
lists this host's registry (supervise/registry.py), each home read from its own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.store_results import StoreCopied, StoreHome, StoreHomes

if TYPE_CHECKING:
    from shipmate.store.store import Store


def store_copy(spec_file: str | None, to: str) -> StoreCopied:
    """Copy this project's SQLite home into the PostgreSQL at ``to`` (idempotent; refuses a different history)."""
    from shipmate.store.copying import copy_home
    from shipmate.store.location import checked_url

    url = checked_url(to.strip(), "--to")
    report = copy_home(Workspace.locate(spec_file).home, url)
    return StoreCopied(source=report.source, target=report.target, added=report.added,
                       total_added=report.total_added, events=report.events, head_hash=report.head_hash,
                       chain_verified=True)


def _services(store: Store) -> list[dict[str, Any]]:
    out = []
    for cur in store.all_current():
        rel = store.get_release(cur.release_id)
        out.append({"service": cur.service, "environment": cur.environment,
                    "version": rel.version if rel else None, "deployment_id": cur.deployment_id})
    return out


def store_homes() -> StoreHomes:
    """Every home in this host's store with the services each serves: the dashboard's list of all hosts' services."""
    from shipmate.store.location import configured_url, shown
    from shipmate.store.store import Store

    url = configured_url()
    if url is None:
        import socket

        from shipmate.supervise.registry import entries

        homes = []
        for home in sorted({e.home for e in entries()[0]}):
            store = Store.open_readonly(home)
            services = [] if store is None else _services(store)
            if store is not None:
                store.close()
            homes.append(StoreHome(host=socket.gethostname(), home=str(home), schema=None, last_seen=None,
                                   services=services))
        return StoreHomes(backend="sqlite", location="one state.db per home (this host)", homes=homes)
    listed = []
    for entry in Store.listed_homes(url):
        with Store.open_listed(url, entry.schema, Path(entry.home)) as store:
            services = _services(store)
        listed.append(StoreHome(host=entry.host, home=entry.home, schema=entry.schema, last_seen=entry.last_seen,
                                services=services))
    return StoreHomes(backend="postgresql", location=shown(url), homes=listed)
