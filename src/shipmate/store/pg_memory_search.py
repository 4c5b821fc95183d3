"""The failure memory's full-text queries on PostgreSQL: the same two functions as memory_search.py (FTS5),
over the GIN-indexed tsvector expressions of postgres_dialect.py, ranked by ts_rank (higher is better).

Every word first, then any word when nothing has them all, as on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from shipmate.store.postgres_dialect import FIXES_DOCUMENT, SIGNATURES_DOCUMENT


def _all_then_any(terms: Sequence[str], run: Callable[[str, dict[str, Any]], list[Any]]) -> list[Any]:
    words = [t for t in terms if t]
    if not words:
        return []
    binds = {f"t{i}": word for i, word in enumerate(words)}
    parts = [f"plainto_tsquery('english', :t{i})" for i in range(len(words))]
    found = run("(" + " && ".join(parts) + ")", binds)
    return found if found or len(words) == 1 else run("(" + " || ".join(parts) + ")", binds)


def search_fixes(conn: Connection, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
    """(fix id, score) best first."""
    def run(query: str, binds: dict[str, Any]) -> list[Any]:
        return list(conn.execute(text(
            f"SELECT id, ts_rank({FIXES_DOCUMENT}, q) AS score FROM memory_fixes, (SELECT {query} AS q) AS query "
            f"WHERE {FIXES_DOCUMENT} @@ q ORDER BY score DESC, created_at DESC LIMIT :limit"),
            {**binds, "limit": limit}).all())
    return [(str(ref), float(score)) for ref, score in _all_then_any(terms, run)]


def search_rows(conn: Connection, terms: Sequence[str], limit: int
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(fixes with worked/tried and score, signatures with score), best first: what `memory search` shows."""
    def fixes(query: str, binds: dict[str, Any]) -> list[Any]:
        return [dict(m) for m in conn.execute(text(
            f"SELECT f.*, ts_rank({FIXES_DOCUMENT.replace('coalesce(', 'coalesce(f.')}, q) AS score, "
            "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id) AS tried, "
            "(SELECT count(*) FROM memory_outcomes o WHERE o.fix_id = f.id AND o.worked) AS worked "
            f"FROM memory_fixes f, (SELECT {query} AS q) AS query "
            f"WHERE {FIXES_DOCUMENT.replace('coalesce(', 'coalesce(f.')} @@ q "
            "ORDER BY score DESC, f.created_at DESC LIMIT :limit"), {**binds, "limit": limit}).mappings()]

    def signatures(query: str, binds: dict[str, Any]) -> list[Any]:
        return [dict(m) for m in conn.execute(text(
            f"SELECT s.*, ts_rank({SIGNATURES_DOCUMENT.replace('coalesce(', 'coalesce(s.')}, q) AS score "
            f"FROM memory_signatures s, (SELECT {query} AS q) AS query "
            f"WHERE {SIGNATURES_DOCUMENT.replace('coalesce(', 'coalesce(s.')} @@ q "
            "ORDER BY score DESC, s.last_seen DESC LIMIT :limit"), {**binds, "limit": limit}).mappings()]

    found = _all_then_any(terms, fixes)
    for fix in found:
        fix.pop("content_key", None)
    return found, _all_then_any(terms, signatures)
