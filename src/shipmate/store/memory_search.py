"""The failure memory's full-text queries: SQLite FTS5 ranked by BM25, behind two functions.

Every word first (what a search box does), then any word when nothing has them all: ranking every row that
names one common word would read most of a large index. The FTS query picks the best ids, the join reads only
those. A PostgreSQL store implements the same two with a tsvector column and ts_rank; callers pass plain words
and never see the dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

Execute = Callable[[str, tuple[Any, ...]], list[dict[str, Any]]]


def _quoted(terms: Sequence[str]) -> list[str]:
    return ['"' + term.replace('"', '""') + '"' for term in terms if term]


def _all_then_any(terms: Sequence[str], run: Callable[[str], list[Any]]) -> list[Any]:
    quoted = _quoted(terms)
    if not quoted:
        return []
    found = run(" AND ".join(quoted))
    return found if found or len(quoted) == 1 else run(" OR ".join(quoted))


# Ranking reads every row that matches: past this many, the words are too common to rank usefully, and the
# newest matches come first instead (counting costs ~2 ms where ranking 40,000 rows costs ~150 ms).
RANK_AT_MOST = 2000


def _order(count: int) -> str:
    return "rank" if count <= RANK_AT_MOST else "rowid DESC"


def search_fixes(conn: Connection, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
    """(fix id, score) best first; score is -bm25 (higher is better)."""
    if conn.dialect.name == "postgresql":
        from shipmate.store import pg_memory_search

        return pg_memory_search.search_fixes(conn, terms, limit)

    def run(query: str) -> list[Any]:
        many = conn.exec_driver_sql("SELECT count(*) FROM memory_fixes_fts WHERE memory_fixes_fts MATCH ?",
                                    (query,)).scalar_one()
        return list(conn.exec_driver_sql(
            f"SELECT ref, rank FROM memory_fixes_fts WHERE memory_fixes_fts MATCH ? ORDER BY {_order(many)} LIMIT ?",
            (query, limit)).all())
    return [(str(ref), -float(rank)) for ref, rank in _all_then_any(terms, run)]


def search_rows(conn: Connection, terms: Sequence[str], limit: int
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(fixes with worked/tried and score, signatures with score), best first: what `memory search` shows."""
    if conn.dialect.name == "postgresql":
        from shipmate.store import pg_memory_search

        return pg_memory_search.search_rows(conn, terms, limit)
    return search_rows_with(lambda sql, args: [dict(m) for m in conn.exec_driver_sql(sql, args).mappings()],
                            terms, limit)


def search_rows_with(execute: Execute, terms: Sequence[str], limit: int
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The same, through any driver: ``execute(sql, args)`` returns rows as dicts (the stdlib reader's way)."""
    def count(table: str, query: str) -> int:
        return int(execute(f"SELECT count(*) AS n FROM {table} WHERE {table} MATCH ?", (query,))[0]["n"])

    def fixes(query: str) -> list[Any]:
        order = _order(count("memory_fixes_fts", query))
        return list(execute(
            "WITH hits AS (SELECT ref, rank, rowid AS pos FROM memory_fixes_fts WHERE memory_fixes_fts MATCH ? "
            f"ORDER BY {order} LIMIT ?) "
            "SELECT f.*, -hits.rank AS score, "
            "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id) AS tried, "
            "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id AND o.worked) AS worked "
            "FROM hits JOIN memory_fixes f ON f.id = hits.ref "
            f"ORDER BY {'hits.rank' if order == 'rank' else 'hits.pos DESC'}", (query, limit)))

    def signatures(query: str) -> list[Any]:
        order = _order(count("memory_signatures_fts", query))
        return list(execute(
            "WITH hits AS (SELECT ref, rank, rowid AS pos FROM memory_signatures_fts "
            f"WHERE memory_signatures_fts MATCH ? ORDER BY {order} LIMIT ?) "
            "SELECT s.*, -hits.rank AS score FROM hits JOIN memory_signatures s ON s.id = hits.ref "
            f"ORDER BY {'hits.rank' if order == 'rank' else 'hits.pos DESC'}", (query, limit)))
    found = _all_then_any(terms, fixes)
    for fix in found:
        fix.pop("content_key", None)
    return found, _all_then_any(terms, signatures)
