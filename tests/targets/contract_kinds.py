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
from dataclasses import dataclass
from pathlib import Path

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


def _config(kind: str, argv: tuple[str, ...], cwd: Path) -> ReleaseConfig:
    """A release config as config_from builds it; only the target's part matters to preflight."""
    return ReleaseConfig(
        service="contract", environment="default", version="1", digest="sha256:contract", target_kind=kind,
        port=8080, argv=argv, cwd=str(cwd), env={}, stop_grace_s=1.0, log_max_bytes=1024 * 1024, log_backups=2,
        strategy="blue-green", drain_s=0.0,
        health=HealthConfig(0.0, 0.5, 1.0, 10.0, ({"tcp": {}},)),
        monitor=MonitorConfig(duration_s=0.0, interval_s=1.0, error_rate=None, p95_ms=None, min_samples=1,
                              on_inconclusive="keep", path=None))


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


FACTORIES: dict[str, Callable[[Path, str], KindUnderTest]] = {
    "process": process_kind,
}
