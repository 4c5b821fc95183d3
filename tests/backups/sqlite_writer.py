"""A steady writer: inserts rows into a WAL-mode SQLite database until killed (a separate process, like an app).

Usage: python sqlite_writer.py DB [ROWS_PER_COMMIT]. Prints "ready" once writing; each commit is BEGIN IMMEDIATE.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time


def main() -> None:
    db, per_commit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    print("ready", flush=True)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO t (body) VALUES (?)", [(os.urandom(48).hex(),) for _ in range(per_commit)])
        conn.execute("COMMIT")
        time.sleep(0.002)


if __name__ == "__main__":
    main()
