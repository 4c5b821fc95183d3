"""deploy of a stack: every member in dependency order, each through its own deploy (strategy, gates, window);
all or nothing: when one fails, the members this run deployed are put back, last first, and the run fails."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from shipmate.errors import CommandInterruptedError, DeploymentFailedError, RollbackFailedError, ShipmateError
from shipmate.ops import undoing_stack
from shipmate.ops.common import stack_runs
from shipmate.ops.common.workspace import actor
from shipmate.ops.results.deployments import NoChangeResult
from shipmate.ops.results.stacks import StackPlan, StackRunResult

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.common.identity import Identity
    from shipmate.spec.stack_file import StackSpec
    from shipmate.store.store import Store


def deploy_stack(stack_file: Path, *, environment: str | None = None, version: str | None = None,
                 dry_run: bool = False, force: bool = False, progress: Progress | None = None,
                 identity: Identity | None = None, wait_approval: bool = True,
                 override_freeze: str | None = None) -> StackRunResult | StackPlan:
    """``version``: every member is released under it (else each spec's own)."""
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    env = stack_runs.stack_environment(stack, environment)
    _check_members(stack, environment, version)   # bad input in any member: exit 2 before anything runs
    if dry_run:
        return _plan(stack, env, environment, version, identity)
    report = progress or _silent
    with undoing_stack.stack_store_locked(stack, env, progress, identity) as store:
        from shipmate.engine import crashpoints
        from shipmate.ops.deploying import deploy

        now = {m.name: stack_runs.member_now(m, environment) for m in stack.members}
        run = store.create_stack_run(stack=stack.name, environment=env, kind="deploy", file=str(stack.file),
                                     owner=stack_runs.owner(), actor=actor(),
                                     members=[(m.name, now[m.name].service, str(m.spec)) for m in stack.members])
        unchanged = 0
        for position, member in enumerate(stack.members):
            before = now[member.name]
            store.set_stack_member(run.id, position, state="running", previous_release_id=before.release_id,
                                   previous_version=before.version)
            report("stack.member", {"index": position + 1, "of": len(stack.members), "member": member.name})
            try:
                result = deploy(str(member.spec), environment=environment, version=version, force=force,
                                progress=progress, identity=identity, wait_approval=wait_approval,
                                override_freeze=override_freeze)
            except ShipmateError as exc:
                store.set_stack_member(run.id, position, state="failed", error=exc.message,
                                       deployment_id=exc.details.get("deployment_id"))
                _fail(store, run.id, member.name, exc, progress, identity)
            except KeyboardInterrupt as exc:   # Ctrl-C, SIGTERM, SIGHUP outside a member's steps: undone too
                stopped = CommandInterruptedError(f"interrupted by {exc.args[0] if exc.args else 'SIGINT'}")
                store.set_stack_member(run.id, position, state="failed", error=stopped.message)
                _fail(store, run.id, member.name, stopped, progress, identity)
            # A files member that changed nothing says so with noop (FilesResult), the others with NoChangeResult.
            noop = isinstance(result, NoChangeResult) or bool(result.get("noop"))
            unchanged += noop
            store.set_stack_member(run.id, position, state="unchanged" if noop else "done",
                                   deployment_id=None if noop else result.get("deployment_id"),
                                   version=result.get("version") or before.version)
            crashpoints.hit(f"stack:{position + 1}:done")
        done = store.set_stack_state(run.id, "succeeded", actor=actor())
        return stack_runs.run_result(done, noop=True if unchanged == len(stack.members) else None)


def _silent(message: str, data: dict[str, Any]) -> None:
    """No progress sink was given."""


def _check_members(stack: StackSpec, environment: str | None, version: str | None) -> None:
    from shipmate.ops.common.spec_loading import load_spec

    for member in stack.members:
        load_spec(member.spec, environment=environment, version_override=version)


def _fail(store: Store, run_id: str, name: str, exc: ShipmateError, progress: Progress | None,
          identity: Identity | None) -> NoReturn:
    """Undo what this run deployed, then raise: exit 1 (all put back) or 5 (something could not be)."""
    store.set_stack_state(run_id, "rolling_back", actor=actor(), error=f"{name}: {exc.message}")
    run = store.stack_run(run_id)
    assert run is not None
    problems = undoing_stack.undo(store, run, progress, identity)
    done = store.set_stack_state(run_id, "failed" if problems else "rolled_back", actor=actor(),
                                 error="; ".join([f"{name}: {exc.message}", *problems]))
    details: dict[str, Any] = {"stack_run": stack_runs.run_result(done).to_json(), "failed_member": name,
                               "member_error": exc.to_dict()}
    if "known_fixes" in exc.details:
        details["known_fixes"] = exc.details["known_fixes"]
    if problems:
        raise RollbackFailedError(f"stack {done.stack}: {name} failed ({exc.message}), and putting back the "
                                  f"others failed: " + "; ".join(problems),
                                  hint="see `shipmate status -f STACK`; fix, then `shipmate rollback -f STACK`",
                                  details=details) from exc
    undone = [m.name for m in done.members if m.state == "undone"]
    raise DeploymentFailedError(
        f"stack {done.stack}: {name} failed ({exc.message}); "
        + (f"put back: {', '.join(reversed(undone))}" if undone else "nothing else had changed"),
        hint=exc.hint or f"see `shipmate history -f {Path(done.file).name}`", details=details) from exc


def _plan(stack: StackSpec, env: str, environment: str | None, version: str | None,
          identity: Identity | None) -> StackPlan:
    from shipmate.ops.deploying import deploy

    members = []
    for member in stack.members:
        plan = deploy(str(member.spec), environment=environment, version=version, dry_run=True, identity=identity)
        members.append({"name": member.name, "spec": str(member.spec), "depends_on": list(member.depends_on),
                        "conditions": dict(member.conditions), "plan": plan.to_json()})
    return StackPlan(dry_run=True, stack=stack.name, environment=env, kind="deploy", order=stack.order,
                     members=members)
