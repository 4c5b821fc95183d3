"""The failure memory's full-text queries: SQLite FTS5 ranked by BM25, behind two functions.

A PostgreSQL store implements the same two with a tsvector column and ts_rank; callers pass plain words and
never see the dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


def _fts_query(terms: Sequence[str]) -> str:
    # Quoted terms joined by OR: any word may match, BM25 ranks those matching more (and rarer) words first.
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms if term)


def search_fixes(conn: Connection, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
    """(fix id, score) best first; score is -bm25 (higher is better)."""
    query = _fts_query(terms)
    if not query:
        return []
    rows = conn.exec_driver_sql(
        "SELECT ref, bm25(memory_fixes_fts) AS r FROM memory_fixes_fts WHERE memory_fixes_fts MATCH ? "
        "ORDER BY r LIMIT ?", (query, limit)).all()
    return [(str(ref), -float(rank)) for ref, rank in rows]


def search_rows(conn: Connection, terms: Sequence[str], limit: int
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(fixes with worked/tried and score, signatures with score), best first, in two statements: what
    `memory search` shows, read in one transaction."""
    query = _fts_query(terms)
    if not query:
        return [], []
    fixes = conn.exec_driver_sql(
        "SELECT f.*, -bm25(memory_fixes_fts) AS score, "
        "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id) AS tried, "
        "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id AND o.worked) AS worked "
        "FROM memory_fixes_fts JOIN memory_fixes f ON f.id = memory_fixes_fts.ref "
        "WHERE memory_fixes_fts MATCH ? ORDER BY bm25(memory_fixes_fts) LIMIT ?", (query, limit)).mappings().all()
    sigs = conn.exec_driver_sql(
        "SELECT s.*, -bm25(memory_signatures_fts) AS score "
        "FROM memory_signatures_fts JOIN memory_signatures s ON s.id = memory_signatures_fts.ref "
        "WHERE memory_signatures_fts MATCH ? ORDER BY bm25(memory_signatures_fts) LIMIT ?",
        (query, limit)).mappings().all()
    return [dict(m) for m in fixes], [dict(m) for m in sigs]
