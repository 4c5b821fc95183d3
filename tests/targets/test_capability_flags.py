"""The kind-specific behaviours are capabilities a target declares, not kind strings compared elsewhere."""

from __future__ import annotations

from shipmate.targets.registry import capabilities_of, target_kinds


def test_only_the_process_target_runs_from_its_files_and_only_docker_has_an_engine_health_check() -> None:
    found = {kind: capabilities_of(kind) for kind in target_kinds()}
    assert {kind for kind, caps in found.items() if caps is not None and caps.file_artifact} == {"process"}
    assert {kind for kind, caps in found.items() if caps is not None and caps.engine_health_check} == {"docker"}


# Still by kind, and known:
# - how secrets reach a target (secrets/resolve.py picks mounts for docker, Docker secrets for swarm): a
#   capability there would make secrets/ import targets/, which imports secrets/ (a cycle the layer contracts
#   refuse); it needs the secret delivery moved into the targets first;
# - validate's "command not on PATH" warning (ops/validating.py) for the process target: validate must load no
#   target code (the start-up checks), and capabilities are read from the target classes.
# - two checks that came with `shipmate serve` (issue 17) after the restructure, left to their owner: CPU and
#   memory usage read for process instances only (ops/common/instance_view.py), and a pidfd death watch for
#   process instances (supervise/home_watch.py).
KNOWN = {"secrets/resolve.py", "ops/validating.py", "ops/common/instance_view.py", "supervise/home_watch.py"}


def test_no_module_outside_targets_compares_a_target_kind_to_a_literal() -> None:
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "shipmate"
    pattern = re.compile(r"""(target_kind|\.kind)\s*[!=]=\s*["'](process|docker|swarm)["']""")
    found = {str(path.relative_to(src)) for path in src.rglob("*.py") if "targets" not in path.parts
             for line in path.read_text().splitlines() if pattern.search(line)}
    assert found == KNOWN
