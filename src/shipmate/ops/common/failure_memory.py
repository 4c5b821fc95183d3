"""The failure memory at failure time: sign the failure, offer the known fixes, record it, credit outcomes.

Called where errors end a command in ops (the release run, and the `remembers` wrapper of deploy, promote,
rollback and check), never in a face. The memory never hides the failure it describes: if it fails itself,
the original error goes on with a warning in its details.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from shipmate.analysis.failure_signature import FailureFacts, Signature, search_terms, signature_of
from shipmate.analysis.known_fixes import Candidate, StarterFix, rank, record_text, shares_words, starters_matching
from shipmate.errors import (
    DeploymentFailedError,
    HealthCheckFailedError,
    HookFailedError,
    PrerequisiteMissingError,
    RollbackFailedError,
    ShipmateError,
    TargetError,
)

if TYPE_CHECKING:
    from shipmate.store.store import Store

# What a person must fix. Bad input, refusals (policy, approval), locks and interruptions are not failures.
REMEMBERED = (DeploymentFailedError, RollbackFailedError, HealthCheckFailedError, PrerequisiteMissingError, TargetError)
FORWARD_KINDS = ("deploy", "promote")   # only these settle earlier failures: a rollback is no fix
STARTERS_FILE = Path(__file__).with_name("starter_fixes.yaml")
FIX_FIELDS = ("symptom", "root_cause", "solution", "prevention")


@functools.cache
def starters() -> tuple[StarterFix, ...]:
    import yaml

    return tuple(StarterFix.of(raw) for raw in yaml.safe_load(STARTERS_FILE.read_text()))


def _starter_rows() -> list[dict[str, Any]]:
    return [{"id": s.id, **{name: getattr(s, name) for name in FIX_FIELDS}} for s in starters()]


def facts_of(exc: ShipmateError, target_kind: str) -> FailureFacts:
    details = exc.details
    failed = [s["name"] for s in details.get("steps", []) if s.get("status") == "failed"
              and not str(s.get("name", "")).startswith("rollback.")]
    if isinstance(exc, HookFailedError):
        phase = "hook"
    elif failed:
        phase = str(failed[0])
    elif details.get("level") is not None:
        phase = f"level:{details['level']}"
    elif isinstance(exc, PrerequisiteMissingError):
        phase = "preflight"
    else:
        phase = exc.code
    text = str(details.get("error") or exc.message)
    return FailureFacts(phase=phase, target_kind=target_kind, error_code=exc.code, text=text)


def match(store: Store | None, sig: Signature, words: str, top: int = 3) -> list[dict[str, Any]]:
    """The top known fixes for a signature, best first; ``words``: the failure's message and hint."""
    cands: list[Candidate] = []
    rows: dict[str, dict[str, Any]] = {s["id"]: {**s, "source": "starter"} for s in _starter_rows()}
    for index, fix_id in enumerate(starters_matching(starters(), words)):
        cands.append(Candidate(fix_id, "pattern", 0, 0, score=-index))
    if store is not None:
        group = store.memory.signature_group(sig.key) if store.memory.get_signature(sig.key) else [sig.key]
        for fix in store.memory.fixes(signature_ids=group):
            rows[fix.id] = fix.as_dict()
            cands.append(Candidate(fix.id, "signature", 0, 0))
        terms = search_terms(sig.text)
        found = store.memory.search_fixes(terms, limit=10)
        hits = store.memory.get_fixes([fix_id for fix_id, _ in found])
        for fix_id, score in found:
            hit = hits.get(fix_id)
            # Starters are offered by their patterns only: their words are generic enough to fit any failure.
            if hit is not None and hit.source != "starter" \
                    and shares_words(terms, " ".join(getattr(hit, f) for f in FIX_FIELDS)):
                rows[hit.id] = hit.as_dict()
                cands.append(Candidate(hit.id, "search", 0, 0, score=score))
        counts = store.memory.fix_counts([c.fix_id for c in cands])
        cands = [Candidate(c.fix_id, c.how, counts[c.fix_id].worked, counts[c.fix_id].tried, c.score) for c in cands]
    return [{"id": c.fix_id, "symptom": rows[c.fix_id]["symptom"], "solution": rows[c.fix_id]["solution"],
             "root_cause": rows[c.fix_id]["root_cause"], "prevention": rows[c.fix_id]["prevention"],
             "worked": c.worked, "tried": c.tried, "record": record_text(c.worked, c.tried), "matched_by": c.how,
             "source": rows[c.fix_id].get("source", "starter")} for c in rank(cands, top)]


def remember(store: Store | None, exc: ShipmateError, *, service: str, environment: str, kind: str,
             target_kind: str, deployment_id: str | None = None) -> None:
    """Sign ``exc``, put its known fixes first in its details, and record it when a writable store is given."""
    if "known_fixes" in exc.details or not isinstance(exc, REMEMBERED):
        return
    try:
        words = " ".join(filter(None, (exc.message, exc.hint, str(exc.details.get("error") or ""))))
        fixes, extra = remember_facts(store, facts_of(exc, target_kind), words=words, message=exc.message,
                                      service=service, environment=environment, kind=kind,
                                      deployment_id=deployment_id or exc.details.get("deployment_id"))
    except Exception as err:  # the memory must never hide the failure it was asked to remember
        exc.details["warnings"] = [*exc.details.get("warnings", []), f"failure memory: {type(err).__name__}: {err}"]
        return
    exc.details = {"known_fixes": fixes, **exc.details, "memory": extra}


def remember_facts(store: Store | None, facts: FailureFacts, *, words: str, message: str, service: str,
                   environment: str, kind: str, deployment_id: str | None = None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Sign, match and (with a writable store) record one failure; (known fixes, {signature, failure_id}).

    The seam for failures that end no command: `serve`'s supervision calls this for a crash loop or an
    automatic rollback (kind "restart", phase "restart"), with the instance's exit code in ``facts``.
    """
    from shipmate.secrets.redact import redact

    # Known secret values never reach the database: the text is filtered before it is signed or stored.
    facts = dataclasses.replace(facts, text=redact(facts.text))
    message, words = redact(message), redact(words)
    sig = signature_of(facts)
    writable = store is not None and not store.readonly
    if writable:
        assert store is not None
        store.memory.ensure_fixes(_starter_rows(), source="starter")
    fixes = match(store, sig, words)
    extra: dict[str, Any] = {"signature": sig.key}
    if writable:
        assert store is not None
        row = store.memory.record_failure(_sig_fields(sig), service=service, environment=environment,
                                          deployment_id=deployment_id, kind=kind, message=message,
                                          shown_fix_ids=[f["id"] for f in fixes])
        extra["failure_id"] = row.id
        if kind in FORWARD_KINDS:
            _settle(store, service, environment, str(row.deployment_id or ""), repeated=sig.key, skip=row.id)
    return fixes, extra


def settle_success(store: Store, service: str, environment: str, deployment_id: str, note: str | None) -> None:
    """A forward deployment succeeded: the fixes tried since the last failures worked (a note becomes a fix)."""
    _settle(store, service, environment, deployment_id, note=note)


def _settle(store: Store, service: str, environment: str, deployment_id: str, *, repeated: str | None = None,
            skip: str | None = None, note: str | None = None) -> None:
    for failure in store.memory.open_failures(service, environment):
        if failure.id == skip:
            continue
        if repeated is not None and repeated not in store.memory.signature_group(failure.signature_id):
            continue   # a different failure: whether the earlier fix worked is still unknown
        tried = [f.id for f in store.memory.fixes(from_deployment_id=failure.deployment_id)] if failure.deployment_id \
            else []
        tried = tried or failure.shown_fix_ids[:1]   # no fix named: the one offered first is what was tried
        if note and repeated is None:
            sig = store.memory.get_signature(failure.signature_id)
            fix, _ = store.memory.add_fix(symptom=sig.text if sig else failure.message, root_cause="", solution=note,
                                   prevention="", source="note", created_by="deploy --note",
                                   signature_id=failure.signature_id, from_deployment_id=deployment_id)
            tried = [*tried, fix.id]
        store.memory.settle_failure(failure.id, settled="repeated" if repeated else "worked",
                                    deployment_id=deployment_id,
                                    outcomes=[(fix_id, repeated is None) for fix_id in dict.fromkeys(tried)])


def _sig_fields(sig: Signature) -> dict[str, Any]:
    return {"key": sig.key, "version": sig.version, "phase": sig.phase, "target_kind": sig.target_kind,
            "error_code": sig.error_code, "exit_code": sig.exit_code, "text": sig.text}


P = ParamSpec("P")
R = TypeVar("R")


def remembers(kind: str, env_arg: str = "environment") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap an ops function whose first argument is the spec file: its failures are remembered on the way out."""
    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except REMEMBERED as exc:
                spec_file = args[0] if args else kwargs.get("spec_file")
                environment = kwargs.get(env_arg) if env_arg in kwargs else None
                _remember_outside(exc, spec_file if isinstance(spec_file, str) or spec_file is None else str(spec_file),
                                  environment if isinstance(environment, str) else None, kind)
                raise
        return inner
    return wrap


def _remember_outside(exc: ShipmateError, spec_file: str | None, environment: str | None, kind: str) -> None:
    """A failure that ended the command outside a release run: record it if the state database exists."""
    if "known_fixes" in exc.details:
        return
    store: Store | None = None
    try:
        from shipmate.ops.common.workspace import Workspace, resolve_environment
        from shipmate.spec.service_names import read_service_names
        from shipmate.store.store import Store

        ws = Workspace.locate(spec_file)
        service, declared = read_service_names(ws.spec_path)
        env = str(exc.details.get("environment") or resolve_environment(declared, environment))
        existing = ws.open_store_readonly()
        if existing is not None:   # never create a state folder for a command that changed nothing
            existing.close()
            store = Store.open(ws.home)
        remember(store, exc, service=service, environment=env, kind=kind, target_kind=_target_kind(ws.spec_path))
    except ShipmateError:
        remember(None, exc, service="", environment="", kind=kind, target_kind="")
    finally:
        if store is not None:
            store.close()


def _target_kind(spec_path: Path) -> str:
    import yaml

    try:
        raw = yaml.safe_load(spec_path.read_text())
        return str(((raw or {}).get("target") or {}).get("kind") or "process")
    except (OSError, yaml.YAMLError, AttributeError):
        return ""
