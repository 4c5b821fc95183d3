"""Reading the failure memory: memory search, list, show, stats, export, and memory_match (doctor asks it).

Read-only: a project with no state database yet still answers from the starter fixes shipped with shipmate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.analysis.failure_signature import FailureFacts, Signature, search_terms, signature_of
from shipmate.analysis.known_fixes import record_text, word_score
from shipmate.errors import InvalidInputError, NotFoundError, StoreError
from shipmate.ops.common import failure_memory
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.results.memory import (
    MemoryExportResult,
    MemoryListResult,
    MemoryMatchResult,
    MemorySearchResult,
    MemoryShowResult,
    MemoryStatsResult,
)

if TYPE_CHECKING:
    from shipmate.store.memory_rows import FixCount, FixRow
    from shipmate.store.store import Store


@contextmanager
def _reading(spec_file: str | None) -> Iterator[Store | None]:
    store = Workspace.locate(spec_file).open_store_readonly()
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def _fix_view(store: Store | None, fix: FixRow | dict[str, Any], count: FixCount | None = None) -> dict[str, Any]:
    row = fix if isinstance(fix, dict) else fix.as_dict()
    row.pop("content_key", None)
    if count is None and store is not None:
        count = store.memory.fix_counts([row["id"]])[row["id"]]
    worked, tried = (count.worked, count.tried) if count else (0, 0)
    return {**row, "worked": worked, "tried": tried, "record": record_text(worked, tried)}


def memory_search(spec_file: str | None, text: str, *, limit: int = 10) -> MemorySearchResult:
    """Known fixes and failure signatures whose words match ``text``, best first (BM25 in the store)."""
    terms = search_terms(text)
    if not terms:
        raise InvalidInputError(f"nothing to search for in {text!r}", hint="give words, e.g. `memory search port`")
    from shipmate.store.sqlite_reader import SqliteReader

    # The stdlib reader, as status uses: a search loads no SQLAlchemy (~0.4 s of a cold command).
    reader = SqliteReader.open(Workspace.locate(spec_file).home)
    fixes: list[dict[str, Any]] = []
    signatures: list[dict[str, Any]] = []
    seen: set[str] = set()
    if reader is not None:
        try:
            found, signatures = reader.memory_search(terms, limit)
        finally:
            reader.close()
        for fix in found:
            fixes.append({**fix, "score": round(fix["score"], 3), "record": record_text(fix["worked"], fix["tried"])})
            seen.add(fix["id"])
        for sig in signatures:
            sig["score"] = round(sig["score"], 3)
    starters = sorted(((word_score(terms, " ".join((s.symptom, s.root_cause, s.solution, s.prevention))), s)
                       for s in failure_memory.starters() if s.id not in seen), key=lambda p: -p[0])
    for score, starter in starters:   # not in this project's memory yet: shipped ones still answer
        if score and len(fixes) < limit:
            fixes.append({"id": starter.id, "symptom": starter.symptom, "root_cause": starter.root_cause,
                          "solution": starter.solution, "prevention": starter.prevention, "source": "starter",
                          "worked": 0, "tried": 0, "record": record_text(0, 0), "score": float(score)})
    return MemorySearchResult(text, terms, fixes[:limit], signatures[:limit])


def memory_list(spec_file: str | None, *, environment: str | None = None, limit: int = 50) -> MemoryListResult:
    """Failure signatures (groups), most recently seen first, with their failures and linked fixes counted."""
    with _reading(spec_file) as store:
        if store is None:
            return MemoryListResult([], 0)
        out = []
        for sig, count in store.memory.signatures(limit=limit):
            group = store.memory.signature_group(sig.id)
            failures = [f for f in store.memory.failures(signature_id=sig.id, limit=500)
                        if environment is None or f.environment == environment]
            if environment is not None and not failures:
                continue
            out.append({**sig.as_dict(), "failures": len(failures) if environment else count,
                        "merged": [g for g in group if g != sig.id],
                        "fixes": len(store.memory.fixes(signature_ids=group))})
        return MemoryListResult(out, sum(s["failures"] for s in out))


def memory_show(spec_file: str | None, item_id: str) -> MemoryShowResult:
    """One signature (its group, failures, fixes), fix (its outcomes) or failure (its known fixes)."""
    with _reading(spec_file) as store:
        starter = next((s for s in failure_memory.starters() if s.id == item_id), None)
        if store is None and starter is None:
            raise NotFoundError(f"no {item_id} in the failure memory", hint="nothing has failed here yet")
        if item_id.startswith("fix_"):
            fix = store.memory.get_fix(item_id) if store is not None else None
            if fix is None and starter is None:
                raise NotFoundError(f"no known fix {item_id}", hint="`shipmate memory search WORDS` finds them")
            if fix is not None:
                row = fix.as_dict()
            else:
                assert starter is not None
                row = {"id": starter.id, "source": "starter", **{k: getattr(starter, k) for k in (
                    "symptom", "root_cause", "solution", "prevention")}}
            return MemoryShowResult(fix=_fix_view(store, row))
        if store is None:
            raise NotFoundError(f"no {item_id} in the failure memory", hint="nothing has failed here yet")
        if item_id.startswith("sig_"):
            sig = store.memory.get_signature(item_id)
            if sig is None:
                raise NotFoundError(f"no signature {item_id}", hint="`shipmate memory list` shows them")
            group = store.memory.signature_group(item_id)
            failures = [f.as_dict() for f in store.memory.failures(signature_id=item_id, limit=20)]
            return MemoryShowResult(signature=sig.as_dict(), group=group, failures=failures,
                                    fixes=[_fix_view(store, f) for f in store.memory.fixes(signature_ids=group)])
        if item_id.startswith("fai_"):
            failure = store.memory.failure_of_deployment("", failure_id=item_id)
            found = [failure] if failure is not None else []
            if not found:
                raise NotFoundError(f"no failure {item_id}", hint="`shipmate memory list` shows the signatures")
            sig = store.memory.get_signature(found[0].signature_id)
            fixes = [_fix_view(store, f) for f in (store.memory.get_fix(i) for i in found[0].shown_fix_ids) if f]
            return MemoryShowResult(failure=found[0].as_dict(), signature=sig.as_dict() if sig else None,
                                    known_fixes=fixes)
        raise InvalidInputError(f"{item_id!r} is not a memory id", hint="ids start with sig_, fix_ or fai_")


def memory_stats(spec_file: str | None) -> MemoryStatsResult:
    """Failures, distinct signatures, and the hit rate: the share of failures that were offered a known fix."""
    with _reading(spec_file) as store:
        if store is None:
            return MemoryStatsResult(0, 0, 0, None, 0, 0, 0, len(failure_memory.starters()))
        return MemoryStatsResult(**store.memory.memory_stats().as_dict(), starter_fixes=len(failure_memory.starters()))


def memory_export(spec_file: str | None, path: str | None = None) -> MemoryExportResult:
    """Every known fix (with its record here) and signature as JSONL records; written to ``path`` if given."""
    records: list[dict[str, Any]] = []
    with _reading(spec_file) as store:
        if store is not None:
            records += [{"type": "signature", **sig.as_dict()} for sig, _ in store.memory.signatures(limit=1_000_000)]
            fixes = store.memory.fixes(limit=1_000_000)
            counts = store.memory.fix_counts([f.id for f in fixes])
            records += [{"type": "fix", **{k: v for k, v in f.as_dict().items() if k != "content_key"},
                         "worked": counts[f.id].worked, "tried": counts[f.id].tried} for f in fixes]
    totals = {"signatures": sum(r["type"] == "signature" for r in records),
              "fixes": sum(r["type"] == "fix" for r in records)}
    if path is None:
        return MemoryExportResult(**totals, records=records)
    try:
        Path(path).write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}", hint="check the folder exists and is writable") \
            from exc
    return MemoryExportResult(**totals, path=path)


def memory_match(spec_file: str | None, *, environment: str | None = None, text: str | None = None,
                 error_code: str = "", phase: str = "", target_kind: str = "", top: int = 3) -> MemoryMatchResult:
    """Known fixes for a failure: for ``text`` if given, else for each failure here no deploy has settled yet.

    What `doctor` shows first. Read-only: nothing is recorded.
    """
    with _reading(spec_file) as store:
        if text is not None:
            sig = signature_of(FailureFacts(phase, target_kind, error_code, text))
            return MemoryMatchResult(signature=sig.key, known_fixes=failure_memory.match(store, sig, text, top))
        open_failures: list[dict[str, Any]] = []
        if store is not None:
            from shipmate.spec.service_names import read_service_names

            ws = Workspace.locate(spec_file)
            service, declared = read_service_names(ws.spec_path)
            envs = [resolve_environment(declared, environment)] if environment or not declared else declared
            for env in envs:
                for failure in store.memory.open_failures(service, env):
                    row = store.memory.get_signature(failure.signature_id)
                    if row is None:
                        continue
                    signature = Signature(row.id, row.signature_version, row.phase, row.target_kind,
                                          row.error_code, row.exit_code, row.text)
                    open_failures.append({**failure.as_dict(),
                                          "known_fixes": failure_memory.match(store, signature, failure.message, top)})
        return MemoryMatchResult(open_failures=open_failures)
