"""The homes kept in one shared PostgreSQL database: one schema per home, listed in ``shipmate.homes``.

Why a schema per home rather than a home id column: every table, key and query stays exactly the SQLite
one (the primary key of ``current`` is still "one current release per service and environment" of that
project, event sequence numbers and the hash chain stay per home, fencing numbers per lock key), so no
query can forget a ``WHERE home = ...`` and leak one project's rows into another's. A home is named by the
host and the absolute path of its state folder: two hosts deploying the same repository keep apart unless
they share the folder's name through SHIPMATE_HOME_NAME (then they share locks, chain and history).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, Text, select
from sqlalchemy.dialects.postgresql import insert

REGISTRY_SCHEMA = "shipmate"
HOME_NAME_ENV = "SHIPMATE_HOME_NAME"

_meta = MetaData(schema=REGISTRY_SCHEMA)
homes = Table(
    "homes", _meta,
    Column("schema_name", String(63), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("home", Text, nullable=False),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)


@dataclass(frozen=True)
class HomeEntry:
    """One home in the shared store: which host last opened it, from which folder, and its schema."""

    schema: str
    host: str
    home: str
    first_seen: float
    last_seen: float

    def to_json(self) -> dict[str, object]:
        return {"schema": self.schema, "host": self.host, "home": self.home,
                "first_seen": self.first_seen, "last_seen": self.last_seen}


def home_identity(home: Path) -> str:
    named = os.environ.get(HOME_NAME_ENV, "").strip()
    return f"name:{named}" if named else f"{socket.gethostname()}:{home.absolute()}"


def schema_for(home: Path) -> str:
    """A home's schema: short, lower case, stable for its identity (PostgreSQL names stop at 63 bytes)."""
    return "home_" + hashlib.sha256(home_identity(home).encode()).hexdigest()[:20]


def ensure_home(engine: Engine, home: Path) -> str:
    """Create the home's schema (once) and record it in the registry; returns the schema name."""
    from shipmate.store.postgres_dialect import advisory_key

    name, now = schema_for(home), time.time()
    with engine.begin() as conn:
        # CREATE SCHEMA IF NOT EXISTS still races with itself: serialise first creations of the registry and homes.
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({advisory_key(REGISTRY_SCHEMA)})")
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{REGISTRY_SCHEMA}"')
        _meta.create_all(conn, checkfirst=True)
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
        conn.execute(insert(homes).values(schema_name=name, host=socket.gethostname(), home=str(home.absolute()),
                                          first_seen=now, last_seen=now)
                     .on_conflict_do_update(index_elements=[homes.c.schema_name],
                                            set_={"host": socket.gethostname(), "home": str(home.absolute()),
                                                  "last_seen": now}))
    return name


def schema_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT 1 FROM information_schema.schemata WHERE schema_name = %(n)s",
                                     {"n": name}).first()
        return found is not None


def list_homes(engine: Engine) -> list[HomeEntry]:
    """Every home of every host in this database, newest first; [] when nothing was registered yet."""
    if not schema_exists(engine, REGISTRY_SCHEMA):
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(homes).order_by(homes.c.last_seen.desc())).mappings().all()
    return [HomeEntry(schema=r["schema_name"], host=r["host"], home=r["home"], first_seen=r["first_seen"],
                      last_seen=r["last_seen"]) for r in rows]
