"""What the Docker target does beyond the shared contract: image build and tagging, container settings,
the stop signal, Docker's own HEALTHCHECK, host networking, volumes, and refusals before anything starts."""

from __future__ import annotations

import dataclasses
import http.client
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_kinds import _config
from tests.docker_images import ensure_python_base
from tests.engines import docker_client_or_skip
from tests.waiting import free_port, wait_until

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.targets.docker import DockerTarget

TIMEOUT = 30.0


@pytest.fixture
def engine() -> Any:
    return docker_client_or_skip()


def python_image(client: Any) -> str:
    return ensure_python_base(client)


@pytest.fixture
def home(engine: Any) -> Iterator[str]:
    home_id = f"dt-{uuid.uuid4().hex[:10]}"
    yield home_id
    for container in engine.containers.list(all=True, filters={"label": [f"shipmate.home={home_id}"]}):
        container.remove(force=True)


def _settings(image: str, project: Path, **extra: Any) -> dict[str, Any]:
    return {"image": image, "container_port": 8000, "project": str(project), "stop_signal": "SIGTERM",
            "network": "bridge", "volumes": [], "log_max_bytes": 10485760, "log_max_files": 3, **extra}


def _launch(home: str, settings: dict[str, Any], argv: tuple[str, ...], port: int, instance_id: str = "i1",
            service: str = "web") -> LaunchSpec:
    env = {"SHIPMATE_SERVICE": service, "SHIPMATE_VERSION": "7", "SHIPMATE_ENVIRONMENT": "prod",
           "SHIPMATE_DEPLOYMENT_ID": "dep_1", "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    return LaunchSpec(instance_id=f"{instance_id}-{home[-6:]}", argv=argv, cwd=settings["project"], env=env,
                      port=port, log_path="", home_id=home, settings=settings)


def _get(port: int, path: str = "/") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _answers(port: int, path: str = "/") -> bool:
    try:
        return _get(port, path)[0] == 200
    except OSError:
        return False


def test_an_unreachable_engine_is_a_missing_prerequisite_with_a_hint(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    config = _config("docker", (), tmp_path, _settings("127.0.0.1:1/x/y:1", tmp_path))
    with pytest.raises(PrerequisiteMissingError, match=r"Docker engine .* is not reachable") as caught:
        DockerTarget().preflight(config)
    assert caught.value.exit_code == 7 and caught.value.hint and "DOCKER_HOST" in caught.value.hint


def test_a_build_is_tagged_with_the_release_version_and_its_image_id_recorded(
        engine: Any, tmp_path: Path) -> None:
    base = python_image(engine)
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\nARG GREETING\nRUN echo $GREETING > /app/greeting\n")
    service = f"dt-{uuid.uuid4().hex[:8]}"
    build = {"context": str(tmp_path), "dockerfile": "Dockerfile", "args": {"GREETING": "hi"}}
    settings = {**_settings("", tmp_path), "image": None, "build": build}
    config = dataclasses.replace(_config("docker", (), tmp_path, settings), service=service, version="1.2+build.3")
    target = DockerTarget()
    try:
        target.preflight(config)
        made = target.prepare(config)
        image = engine.images.get(made["image_id"])
        assert made["image_tag"] == f"shipmate/{service}:1.2-build.3" and made["image_tag"] in image.tags
        assert image.labels["shipmate.service"] == service
        stored = dataclasses.replace(config, target_settings={**config.target_settings, **made})
        assert target.prepare(stored) == {}        # a stored release (rollback) keeps its image
        (tmp_path / "Dockerfile").write_text(f"FROM {base}\nRUN /bin/false\n")
        with pytest.raises(TargetError, match="docker build failed"):
            target.prepare(dataclasses.replace(config, version="2"))
    finally:
        for found in engine.images.list(name=f"shipmate/{service}"):
            for tag in found.tags:
                if tag.startswith(f"shipmate/{service}:"):
                    engine.images.remove(tag)  # untag only: the layers may be shared with parallel tests


def test_a_missing_image_or_a_bind_mount_leading_out_of_the_project_is_refused(engine: Any, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    os.symlink("/etc", project / "escape")
    target = DockerTarget()
    outside = _settings(python_image(engine), project,
                        volumes=[{"kind": "bind", "source": "escape", "target": "/x", "read_only": True}])
    with pytest.raises(PrerequisiteMissingError, match="leads outside the project"):
        target.preflight(_config("docker", (), project, outside))
    with pytest.raises(PrerequisiteMissingError, match="not in the local Docker engine") as caught:
        target.preflight(_config("docker", (), project, _settings("127.0.0.1:1/shipmate-test/absent:1", project)))
    assert caught.value.hint and "never pulls" in caught.value.hint


def test_a_container_carries_labels_a_fixed_name_limits_log_rotation_and_no_restart_policy(
        engine: Any, home: str, tmp_path: Path) -> None:
    settings = _settings(python_image(engine), tmp_path, cpus=0.5, memory="64m")
    port = free_port()
    launch = _launch(home, settings, ("python3", "-m", "http.server", "8000"), port)
    ref = DockerTarget().start(launch)
    container = engine.containers.get(ref.handle["container_id"])
    assert container.name == f"shipmate-web-prod-{launch.instance_id}"
    ours = {k: v for k, v in container.labels.items() if k.startswith("shipmate.") and ".test" not in k}
    assert ours == {
        "shipmate.service": "web", "shipmate.version": "7", "shipmate.environment": "prod",
        "shipmate.deployment_id": "dep_1", "shipmate.instance_id": launch.instance_id, "shipmate.home": home,
        "shipmate.port": str(port)}
    host = container.attrs["HostConfig"]
    assert host["RestartPolicy"]["Name"] in ("", "no") and host["Init"] is True
    assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10485760"}}
    assert (host["NanoCpus"], host["Memory"]) == (500_000_000, 64 * 1024 * 1024)
    assert host["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert "PORT=8000" in container.attrs["Config"]["Env"]      # the app listens on container_port
    wait_until(lambda: _answers(port), TIMEOUT, "the container to answer")


def test_the_stop_signal_is_the_one_the_spec_names(engine: Any, home: str, tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up'); time.sleep(600)"
    settings = _settings(python_image(engine), tmp_path, stop_signal="SIGINT")
    target = DockerTarget()
    ref = target.start(_launch(home, settings, ("python3", "-c", code), free_port()))
    wait_until(lambda: "up" in target.last_output(ref.handle, 5).lines, TIMEOUT, "the app to start")
    began = time.monotonic()
    target.stop(ref, grace=20.0)
    assert time.monotonic() - began < 10.0, "SIGINT ends it long before the grace runs out"
    assert target.inspect(ref.handle).exit_status == "exited with code 130"   # KeyboardInterrupt


def test_docker_healthcheck_status_shows_in_inspect(engine: Any, home: str, tmp_path: Path) -> None:
    base = python_image(engine)
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base}\nHEALTHCHECK --interval=1s --timeout=2s CMD [\"/bin/wget\", \"-q\", \"-O-\", "
        "\"http://127.0.0.1:8000/health\"]\n")
    image, _ = engine.images.build(path=str(tmp_path), tag=f"127.0.0.1:1/shipmate-test/hc:{home}", rm=True)
    try:
        target = DockerTarget()
        server = ("python3", "-m", "http.server", "8000")
        ref = target.start(_launch(home, _settings(image.id, tmp_path), server, free_port()))
        wait_until(lambda: "docker health: healthy" in target.inspect(ref.handle).detail, TIMEOUT,
                   "Docker's HEALTHCHECK to say healthy")
        assert target.inspect(ref.handle).alive and target.inspect(ref.handle).health == "healthy"
        from shipmate.probes.container_health import ContainerHealthProbe  # health level 3 reads it

        assert ContainerHealthProbe(target, ref).run().detail == "docker health: healthy"
        target.stop(ref, grace=5.0)
    finally:
        for container in engine.containers.list(ignore_removed=True, all=True, filters={"ancestor": image.id}):
            container.remove(force=True)
        engine.images.remove(f"127.0.0.1:1/shipmate-test/hc:{home}")  # by tag: never a shared image id


def test_host_network_hands_the_port_to_the_app(engine: Any, home: str, tmp_path: Path) -> None:
    settings = _settings(python_image(engine), tmp_path, network="host")
    port = free_port()
    code = "import os, http.server as h; h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), " \
           "h.SimpleHTTPRequestHandler).serve_forever()"
    target = DockerTarget()
    ref = target.start(_launch(home, settings, ("python3", "-c", code), port))
    wait_until(lambda: _answers(port), TIMEOUT, "the app on the host network")
    assert target.listening_ports(ref) == [port]
    target.stop(ref, grace=5.0)
    assert target.listening_ports(ref) == []


def test_a_named_volume_keeps_its_data_from_one_container_to_the_next(engine: Any, home: str,
                                                                      tmp_path: Path) -> None:
    volume = f"dt-{home}"
    settings = _settings(python_image(engine), tmp_path,
                         volumes=[{"kind": "volume", "source": volume, "target": "/data", "read_only": False}])
    target = DockerTarget()
    try:
        write = target.start(_launch(home, settings, ("sh", "-c", "echo kept > /data/f; echo wrote"), 0, "w"))
        wait_until(lambda: not target.inspect(write.handle).alive, TIMEOUT, "the writer to finish")
        read = target.start(_launch(home, settings, ("cat", "/data/f"), 0, "r"))
        wait_until(lambda: not target.inspect(read.handle).alive, TIMEOUT, "the reader to finish")
        assert target.last_output(read.handle, 3).lines == ["kept"]
    finally:
        for container in engine.containers.list(all=True, filters={"label": [f"shipmate.home={home}"]}):
            container.remove(force=True)
        engine.volumes.get(volume).remove(force=True)


def test_an_image_that_cannot_run_its_command_leaves_no_container(engine: Any, home: str, tmp_path: Path) -> None:
    target = DockerTarget()
    with pytest.raises(PrerequisiteMissingError, match="no-such-program") as caught:
        target.start(_launch(home, _settings(python_image(engine), tmp_path), ("/no/no-such-program",), free_port()))
    assert caught.value.hint and caught.value.exit_code == 7
    assert engine.containers.list(ignore_removed=True, all=True, filters={"label": [f"shipmate.home={home}"]}) == []
    assert target.inspect({"container_id": "0" * 64}).state == "gone"
    target.stop(InstanceRef("x", 0, {"container_id": "0" * 64}), 1.0)   # gone: nothing to do


def test_settings_survive_the_release_round_trip(tmp_path: Path) -> None:
    config = _config("docker", (), tmp_path, _settings("a/b:1", tmp_path, image_id="sha256:" + "a" * 64))
    assert ReleaseConfig.from_dict(config.to_dict()) == config
    old = config.to_dict()
    del old["target_settings"]                                    # a release stored before the docker target
    assert ReleaseConfig.from_dict(old).target_settings == {}


def test_listening_ports_wait_for_the_app_not_the_engines_proxy(engine: Any, home: str, tmp_path: Path) -> None:
    port = free_port()
    target = DockerTarget()
    slow = ("sh", "-c", "sleep 3; exec python3 -m http.server 8000")       # the app binds 3 s after start
    ref = target.start(_launch(home, _settings(python_image(engine), tmp_path), slow, port))
    assert target.inspect(ref.handle).alive and target.listening_ports(ref) == []
    wait_until(lambda: target.listening_ports(ref) == [port], TIMEOUT, "the app to listen")
    assert _answers(port)


def test_a_tcp_health_check_waits_for_the_app_behind_the_proxy(engine: Any, home: str, tmp_path: Path) -> None:
    from shipmate.engine.probe_set import instance_probes, run_all
    from shipmate.model import Phase

    port = free_port()
    target = DockerTarget()
    slow = ("sh", "-c", "sleep 3; exec python3 -m http.server 8000")
    ref = target.start(_launch(home, _settings(python_image(engine), tmp_path), slow, port))
    probes = instance_probes(_config("docker", (), tmp_path), target, ref)   # checks: tcp

    def all_pass() -> bool:
        return all(r.phase is Phase.PASS for r in run_all(probes))

    assert not all_pass()
    wait_until(all_pass, TIMEOUT, "tcp health once the app listens")
