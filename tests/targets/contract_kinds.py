"""One factory per target kind: what the target contract tests need to run against that kind.

A new target (docker, files, ...) adds a factory here and registers it in FACTORIES; the tests in
test_target_contract.py then run against it unchanged. Each factory gets a scratch folder and a
home id, and returns real launch specs (real servers, real processes) the kind knows how to run.
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipmate.model import LaunchSpec
from shipmate.release_config import HealthConfig, MonitorConfig, ReleaseConfig
from shipmate.targets.base import Target
from shipmate.targets.registry import target_for

DEPLOYMENT_ID = "dep_contract"


@dataclass
class KindUnderTest:
    """A target of one kind, and how to make instances of each sort the contract needs."""

    kind: str
    target: Target
    home_id: str
    server: Callable[[str, int], LaunchSpec]        # (instance_id, port): a tiny HTTP server on that port
    server_says: str                                 # a line the server prints once it serves
    stubborn: Callable[[str, int], LaunchSpec]      # runs until killed: ignores the polite stop
    exiting: Callable[[str, int], LaunchSpec]       # (instance_id, code): prints `exiting_says`, exits with code
    exiting_says: str
    runnable: ReleaseConfig                          # a release preflight accepts
    # The release with what it runs missing (preflight must name "no-such-command-contract"), and with its
    # folder missing (preflight must name "no-such-folder"); every kind says what those are for it.
    without_command: Callable[[ReleaseConfig], ReleaseConfig] = field(default=lambda c: missing_command(c))
    without_folder: Callable[[ReleaseConfig, Path], ReleaseConfig] = field(default=lambda c, p: missing_cwd(c, p))
    cleanup: Callable[[], None] = field(default=lambda: None)   # after each test: what stop leaves behind


def _config(kind: str, argv: tuple[str, ...], cwd: Path, settings: dict[str, Any] | None = None) -> ReleaseConfig:
    """A release config as config_from builds it; only the target's part matters to preflight."""
    return ReleaseConfig(
        service="contract", environment="default", version="1", digest="sha256:contract", target_kind=kind,
        port=8080, argv=argv, cwd=str(cwd), env={}, stop_grace_s=1.0, log_max_bytes=1024 * 1024, log_backups=2,
        strategy="blue-green", drain_s=0.0,
        health=HealthConfig(0.0, 0.5, 1.0, 10.0, ({"tcp": {}},)),
        monitor=MonitorConfig(duration_s=0.0, interval_s=1.0, error_rate=None, p95_ms=None, min_samples=1,
                              on_inconclusive="keep", path=None), target_settings=settings or {})


def process_kind(scratch: Path, home_id: str) -> KindUnderTest:
    """The process target: python processes under the log pump, logs in the scratch folder."""
    site = scratch / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text("contract\n")

    def launch(instance_id: str, argv: tuple[str, ...], port: int) -> LaunchSpec:
        env = {"PORT": str(port), "SHIPMATE_DEPLOYMENT_ID": DEPLOYMENT_ID}
        return LaunchSpec(instance_id=instance_id, argv=argv, cwd=str(site), env=env, port=port,
                          log_path=str(scratch / "logs" / f"{instance_id}.log"), home_id=home_id)

    def server(instance_id: str, port: int) -> LaunchSpec:
        argv = (sys.executable, "-u", "-m", "http.server", str(port), "--bind", "127.0.0.1")
        return launch(instance_id, argv, port)

    def stubborn(instance_id: str, port: int) -> LaunchSpec:
        code = """
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print('ignoring SIGTERM', flush=True)
            time.sleep(600)
        """
        return launch(instance_id, (sys.executable, "-u", "-c", textwrap.dedent(code)), port)

    def exiting(instance_id: str, code: int) -> LaunchSpec:
        source = f"import sys; print('giving up now', flush=True); sys.exit({code})"
        return launch(instance_id, (sys.executable, "-u", "-c", source), 0)

    runnable = _config("process", (sys.executable, "-m", "http.server"), site)
    return KindUnderTest(kind="process", target=target_for("process"), home_id=home_id, server=server,
                         server_says="Serving HTTP on 127.0.0.1", stubborn=stubborn, exiting=exiting,
                         exiting_says="giving up now", runnable=runnable)


def missing_command(config: ReleaseConfig) -> ReleaseConfig:
    return dataclasses.replace(config, argv=("no-such-command-contract", *config.argv[1:]))


def missing_cwd(config: ReleaseConfig, scratch: Path) -> ReleaseConfig:
    return dataclasses.replace(config, cwd=str(scratch / "no-such-folder"))


def docker_kind(scratch: Path, home_id: str) -> KindUnderTest:
    """The Docker target: containers of the offline python image, published on 127.0.0.1."""
    from tests.docker_images import ensure_python_base
    from tests.engines import docker_client_or_skip

    client = docker_client_or_skip()
    image = ensure_python_base(client)
    service = "contract-" + home_id.rsplit("-", 1)[-1]          # container names stay unique per test
    settings = {"image": image, "container_port": 8000, "project": str(scratch), "stop_signal": "SIGTERM",
                "network": "bridge", "volumes": [], "log_max_bytes": 1024 * 1024, "log_max_files": 2}

    def launch(instance_id: str, argv: tuple[str, ...], port: int) -> LaunchSpec:
        env = {"PORT": str(port), "SHIPMATE_DEPLOYMENT_ID": DEPLOYMENT_ID, "SHIPMATE_SERVICE": service,
               "PYTHONUNBUFFERED": "1"}
        return LaunchSpec(instance_id=instance_id, argv=argv, cwd=str(scratch), env=env, port=port,
                          log_path="", home_id=home_id, settings=settings)

    def server(instance_id: str, port: int) -> LaunchSpec:
        return launch(instance_id, ("python3", "-m", "http.server", "8000"), port)

    def stubborn(instance_id: str, port: int) -> LaunchSpec:
        code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " \
               "print('ignoring SIGTERM', flush=True); time.sleep(600)"
        return launch(instance_id, ("python3", "-c", code), port)

    def exiting(instance_id: str, code: int) -> LaunchSpec:
        return launch(instance_id, ("python3", "-c", f"import sys; print('giving up now'); sys.exit({code})"), 0)

    def cleanup() -> None:
        for container in client.containers.list(all=True, filters={"label": [f"shipmate.home={home_id}"]}):
            container.remove(force=True)

    def without_image(config: ReleaseConfig) -> ReleaseConfig:
        return dataclasses.replace(config, target_settings={
            **config.target_settings, "image": "127.0.0.1:1/no-such-command-contract:1"})

    def without_context(config: ReleaseConfig, where: Path) -> ReleaseConfig:
        build = {"context": str(where / "no-such-folder"), "dockerfile": "Dockerfile", "args": {}}
        return dataclasses.replace(config, target_settings={**config.target_settings, "image": None, "build": build})

    return KindUnderTest(kind="docker", target=target_for("docker"), home_id=home_id, server=server,
                         server_says="Serving HTTP on", stubborn=stubborn, exiting=exiting,
                         exiting_says="giving up now", runnable=_config("docker", (), scratch, settings),
                         without_command=without_image, without_folder=without_context, cleanup=cleanup)


FACTORIES: dict[str, Callable[[Path, str], KindUnderTest]] = {
    "process": process_kind,
    "docker": docker_kind,
}
