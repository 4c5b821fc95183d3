"""The Docker target end to end, as a user runs it: build, blue-green with 2 replicas, v1 then v2 through
the real router, then `down` leaves no running container of ours. Needs a Docker engine (DOCKER_HOST)."""

from __future__ import annotations

from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.docker_project import containers_of


def _spec(project: Project, version: str, *, replicas: int = 2, source: str = "build: {context: .}",
          env: str = "GREETING: hi") -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: hello-docker
version: "{version}"
port: {project.port}
replicas: {replicas}
strategy: blue-green
target:
  kind: docker
  {source}
  container_port: 8000
  stop_grace: 3s
  env: {{{env}}}
health:
  interval: 200ms
  deadline: 30s
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor:
  duration: 1s
  interval: 200ms
  min_samples: 3
  rollback_if: {{error_rate: 0.05, p95_ms: 2000}}
""")


def test_docker_blue_green_with_two_replicas_switches_to_v2_and_down_stops_every_container(
        project: Project, engine: Any) -> None:
    _spec(project, "1")
    first = project.json("deploy", timeout=240)
    assert first["state"] == "succeeded" and first["verified"] is True, first
    assert project.serves("1")
    _spec(project, "2")
    second = project.json("deploy", timeout=240)
    assert second["state"] == "succeeded" and second["previous_version"] == "1", second
    for _ in range(10):                                   # every request, on either replica, is v2
        assert project.get("/")["version"] == "2"
    env = project.json("status")["environments"][0]
    current = [i for i in env["instances"] if i["role"] == "current"]
    assert len(current) == 2 and all(i["version"] == "2" and i["alive"] for i in current), env["instances"]
    running = containers_of(engine, project, running_only=True)
    assert sorted(c.labels["shipmate.version"] for c in running) == ["2", "2"]
    assert {c.labels["shipmate.instance_id"] for c in running} == {i["instance_id"] for i in current}
    assert all(c.name.startswith("shipmate-hello-docker-default-ins_") for c in running)
    assert all(c.attrs["HostConfig"]["RestartPolicy"]["Name"] in ("", "no") for c in running)
    ports = [b for c in running for binds in c.attrs["NetworkSettings"]["Ports"].values() for b in binds or ()]
    assert ports and all(b["HostIp"] == "127.0.0.1" for b in ports)
    images = {c.image.id for c in running}
    assert len(images) == 1 and "shipmate/hello-docker:2" in engine.images.get(images.pop()).tags
    project.json("down", timeout=120)
    assert containers_of(engine, project, running_only=True) == []


def test_a_docker_release_that_crashes_is_rolled_back_and_its_container_kept_stopped_with_its_last_words(
        project: Project, engine: Any) -> None:
    _spec(project, "1", replicas=1)
    assert project.json("deploy", timeout=240)["state"] == "succeeded"
    _spec(project, "2", replicas=1, env="HELLO_EXIT_AT_START: '3'")
    proc = project.run("deploy", timeout=240)
    assert proc.returncode == 1, proc.stderr
    assert "exited with code 3" in proc.stderr and "exiting at start with code 3" in proc.stderr, proc.stderr
    assert project.serves("1")
    kept = [c for c in containers_of(engine, project)
            if c.labels["shipmate.version"] == "2"]
    assert len(kept) == 1 and kept[0].status == "exited"      # kept for inspection, not removed


def test_a_missing_image_or_engine_is_refused_before_anything_is_written(project: Project, engine: Any) -> None:
    _spec(project, "1", source='image: "127.0.0.1:1/shipmate-test/absent:1"')
    proc = project.run("deploy", timeout=120)
    assert proc.returncode == 7 and "not in the local Docker engine" in proc.stderr, proc.stderr
    assert "never pulls" in proc.stderr and not project.home().exists()
    _spec(project, "1")
    proc = project.run("deploy", timeout=120, env={"DOCKER_HOST": f"unix://{project.root}/no-engine.sock"})
    assert proc.returncode == 7 and "is not reachable" in proc.stderr, proc.stderr
    assert not project.home().exists()                  # a refusal leaves no trace



def test_sigkill_at_every_named_crash_point_of_a_docker_deploy_is_reconciled_by_the_next_command(
        project: Project, engine: Any) -> None:
    """One project, every crash point of a blue-green plan in turn: after each SIGKILL the next command leaves
    one current release serving, no orphan container (found by labels) and a valid audit chain."""
    from shipmate.engine.crashpoints import names_for

    _spec(project, "1", replicas=1)
    assert project.json("deploy", timeout=240)["state"] == "succeeded"
    _spec(project, "2", replicas=1)
    steps = len(project.json("deploy", "--dry-run")["plan"]["steps"])
    points = names_for(steps)
    assert len(points) >= 15, points
    for number, point in enumerate(points):
        _spec(project, str(2 + number), replicas=1)
        proc = project.run("deploy", "--json", env={"SHIPMATE_CRASHPOINT": point}, timeout=240)
        assert proc.returncode == -9, f"{point}: {proc.returncode} {proc.stdout} {proc.stderr}"
        env = project.json("status")["environments"][0]
        assert env["deployment_in_progress"] is None and env["serving"] is True, (point, env)
        version = env["current"]["version"]
        assert project.get("/")["version"] == version, point
        running = containers_of(engine, project, running_only=True)
        assert [c.labels["shipmate.version"] for c in running] == [version], f"{point}: one container, no orphan"
    chain = project.json("events", "--verify", "--limit", "10000")["chain"]
    assert chain["ok"] and chain["mirror_ok"], chain
