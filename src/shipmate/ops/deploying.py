"""deploy: load the spec, pass the gates (ops/gates), run one release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.ops.common import releases
from shipmate.ops.common.failure_memory import remembers
from shipmate.ops.common.release_run import check_trace_id, planned_release
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.deployments import DeploymentResult, NoChangeResult, release_result
from shipmate.ops.results.files import FilesResult
from shipmate.ops.results.plans import GatedPlan

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.common.identity import Identity


@remembers("deploy")
def deploy(spec_file: str | None, *, environment: str | None = None, version: str | None = None,
           dry_run: bool = False, force: bool = False, progress: Progress | None = None,
           identity: Identity | None = None, wait_approval: bool = True,
           override_freeze: str | None = None, trace_id: str | None = None,
           note: str | None = None
           ) -> DeploymentResult | NoChangeResult | GatedPlan | FilesResult:
    """``override_freeze``: the reason a freeze window is overridden (audited); None: freezes refuse.
    ``trace_id``: recorded on the deployment and its events (an inbox task's id, a CI run's); else a fresh one.
    A dry run returns the plan and what each gate would say.
    ``note``: what this deploy changed to fix the last failure; stored, and made a known fix if it succeeds.
    A failure carries the top known fixes first in its details (``known_fixes``).
    A `files` target (target.kind: files) is switched as a set of files: a FilesResult."""
    from shipmate.engine.preflight import check_command
    from shipmate.ops.common.artifacts import with_artifact
    from shipmate.ops.common.spec_loading import load_spec
    from shipmate.ops.gates import chain as gated_release
    from shipmate.ops.gates import policy as policy_gates
    from shipmate.secrets.resolve import with_secrets

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override=version)
    from shipmate.ops.deploying_files import deploy_files, is_file_set

    if is_file_set(loaded.spec.target.kind):
        return deploy_files(ws, loaded, dry_run=dry_run, trace_id=trace_id, identity=identity,
                            wait_approval=wait_approval)
    config = with_secrets(ws.home, loaded.spec.secrets, releases.config_from(loaded))
    check_command(config)  # before anything is written: a 'no' leaves no trace
    check_trace_id(trace_id)
    config = with_artifact(config, ws.home, ws.spec_path)
    gates = policy_gates.evaluate(ws.home, loaded.spec, config, override_freeze=override_freeze)
    release = gated_release.Release(ws, loaded, config, gates, action="deploy", identity=identity,
                                    trace_id=trace_id, note=note)
    if dry_run:
        return GatedPlan.of(gated_release.dry_run_report(release, planned_release(ws, config, kind="deploy")))
    from shipmate.ops.serving import remember_home

    remember_home(ws)   # `shipmate serve` watches every home a deploy registered
    return release_result(gated_release.run_gated(release, force=force, wait_approval=wait_approval,
                                                  progress=progress))
