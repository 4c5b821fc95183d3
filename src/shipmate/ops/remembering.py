"""Teaching the failure memory: memory add (a known fix), merge and split (a person corrects the grouping),
import (JSONL from another repository's export; idempotent: the same file twice adds nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.ops.common.workspace import Workspace, actor
from shipmate.ops.results.memory import MemoryAddResult, MemoryGroupResult, MemoryImportResult

if TYPE_CHECKING:
    from shipmate.store.store import Store

FIX_TEXTS = ("symptom", "root_cause", "solution", "prevention")
SIGNATURE_FIELDS = {"id": str, "signature_version": int, "phase": str, "target_kind": str, "error_code": str,
                    "text": str}
MAX_TEXT = 4000


def _writable(spec_file: str | None) -> Store:
    return Workspace.locate(spec_file).open_store()


def memory_add(spec_file: str | None, *, symptom: str, solution: str, root_cause: str = "", prevention: str = "",
               from_deployment: str | None = None, signature: str | None = None) -> MemoryAddResult:
    """A known fix, linked to the failure of ``from_deployment`` (or a signature) so it is offered first there."""
    for name, value in (("--symptom", symptom), ("--solution", solution)):
        if not value.strip():
            raise InvalidInputError(f"{name} must not be empty", hint="say what was seen and what fixed it")
    for name, value in (("--symptom", symptom), ("--solution", solution), ("--root-cause", root_cause),
                        ("--prevention", prevention)):
        if len(value) > MAX_TEXT:
            raise InvalidInputError(f"{name} is longer than {MAX_TEXT} characters", hint="keep a fix to the point")
    with _writable(spec_file) as store:
        linked = signature
        if from_deployment is not None:
            if store.get_deployment(from_deployment) is None:
                raise NotFoundError(f"no deployment {from_deployment}", hint="`shipmate history` lists them")
            failure = store.memory.failure_of_deployment(from_deployment)
            if failure is None:
                raise InvalidInputError(f"deployment {from_deployment} has no recorded failure",
                                        hint="--from names a deployment that failed; `shipmate memory list`")
            linked = linked or failure.signature_id
        if linked is not None and store.memory.get_signature(linked) is None:
            raise NotFoundError(f"no signature {linked}", hint="`shipmate memory list` shows them")
        fix, created = store.memory.add_fix(
            symptom=symptom.strip(), root_cause=root_cause.strip(), solution=solution.strip(),
            prevention=prevention.strip(), source="person", created_by=actor(), signature_id=linked,
            from_deployment_id=from_deployment)
        out = fix.as_dict()
        out.pop("content_key")
        return MemoryAddResult(out, created)


def memory_merge(spec_file: str | None, into: str, other: str) -> MemoryGroupResult:
    """Group signature ``other`` with ``into``: their failures count as one, their fixes are offered for both."""
    with _writable(spec_file) as store:
        store.memory.merge_signatures(into, other)
        return MemoryGroupResult(store.memory.signature_group(into), merged=other, into=into)


def memory_split(spec_file: str | None, signature: str) -> MemoryGroupResult:
    """Undo a merge: ``signature`` becomes its own group again."""
    with _writable(spec_file) as store:
        row = store.memory.split_signature(signature)
        return MemoryGroupResult(store.memory.signature_group(row.id), split=row.id)


def memory_import(spec_file: str | None, path: str) -> MemoryImportResult:
    """Read a `memory export` file; every line is checked before anything is written (a bad one: exit 2)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror}", hint="give the file `memory export` wrote") \
            from exc
    records = [_checked(path, number, line) for number, line in enumerate(lines, 1) if line.strip()]
    added = {"signatures_added": 0, "signatures_known": 0, "fixes_added": 0, "fixes_known": 0}
    with _writable(spec_file) as store:
        signatures = [{**rec, "merged_into": None, "first_seen": rec.get("first_seen") or 0.0,
                       "last_seen": rec.get("last_seen") or 0.0, "exit_code": rec.get("exit_code")}
                      for rec in records if rec["type"] == "signature"]
        added["signatures_added"] = store.memory.import_signatures(signatures)
        added["signatures_known"] = len(signatures) - added["signatures_added"]
        for rec in (r for r in records if r["type"] == "fix"):
            linked = rec.get("signature_id")
            _, new = store.memory.add_fix(**{k: rec.get(k) or "" for k in FIX_TEXTS}, source="import",
                                   created_by=str(rec.get("created_by") or "import"),
                                   signature_id=linked if linked and store.memory.get_signature(linked) else None,
                                   fix_id=str(rec["id"]) if store.memory.get_fix(str(rec["id"])) is None else None)
            added["fixes_added" if new else "fixes_known"] += 1
    return MemoryImportResult(path=path, **added)


def _checked(path: str, number: int, line: str) -> dict[str, Any]:
    where = f"{path}:{number}"
    try:
        rec = json.loads(line)
    except ValueError as exc:
        raise InvalidInputError(f"{where}: not JSON ({exc})", hint="one JSON object per line, as `memory export` "
                                "writes; nothing was imported") from exc
    if not isinstance(rec, dict) or rec.get("type") not in ("fix", "signature"):
        raise InvalidInputError(f"{where}: type must be \"fix\" or \"signature\"", hint="nothing was imported")
    if rec["type"] == "fix":
        for key in ("id", "symptom", "solution"):
            if not isinstance(rec.get(key), str) or not rec[key].strip():
                raise InvalidInputError(f"{where}: {key} must be a non-empty string", hint="nothing was imported")
        for key in FIX_TEXTS:
            if not isinstance(rec.get(key, ""), str) or len(rec.get(key, "")) > MAX_TEXT:
                raise InvalidInputError(f"{where}: {key} must be text of at most {MAX_TEXT} characters",
                                        hint="nothing was imported")
        if not rec["id"].startswith("fix_"):
            raise InvalidInputError(f"{where}: id must start with fix_", hint="nothing was imported")
        return rec
    for key, kind in SIGNATURE_FIELDS.items():
        if not isinstance(rec.get(key), kind):
            raise InvalidInputError(f"{where}: {key} must be a {kind.__name__}", hint="nothing was imported")
    if not rec["id"].startswith("sig_"):
        raise InvalidInputError(f"{where}: id must start with sig_", hint="nothing was imported")
    return rec
