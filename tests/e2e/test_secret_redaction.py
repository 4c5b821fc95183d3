"""A canary secret through success, failure (health fails -> rolled back), a rotation and `shipmate rollback`,
at debug level, on the process, Docker and Swarm targets: the app really gets the value, and it is found in no
log, state file, audit line, CLI output, process command line or environment, nor in `docker inspect` or
`docker service inspect`."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docker.errors import APIError

from tests.docker_images import PYTHON_BASE_TAG
from tests.e2e.cli_project import SHIPMATE, Project
from tests.e2e.docker_project import containers_of, home_id, remove_container
from tests.e2e.swarm_project import remove_services

APP = Path(__file__).parent / "apps" / "secret_app.py"
DEBUG = {"SHIPMATE_DEBUG": "1"}
SAMPLING_LIMIT_S = 900.0          # the sampler stops by itself after this, whatever the test does
SAMPLE_PAUSE_S = 0.02
READERS = (("status",), ("events", "--limit", "1000"), ("history",), ("logs",), ("secrets", "list"))
DOCKERFILE = f"""FROM {PYTHON_BASE_TAG}
COPY app.py /app/app.py
CMD ["/usr/bin/python3", "/app/app.py"]
"""


@dataclass
class ProcSampler:
    """Reads /proc/*/cmdline (and environ, where readable) of every process in a bounded loop, keeping only
    what holds a needle (and how many samples of the app it saw, so that an empty result means something)."""

    needles: tuple[bytes, ...]
    app_marker: bytes
    hits: list[str] = field(default_factory=list)
    samples: int = 0
    app_seen: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> ProcSampler:
        self._thread = threading.Thread(target=self._run, name="proc-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    def _run(self) -> None:
        deadline = time.monotonic() + SAMPLING_LIMIT_S
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._sample_once()
            self._stop.wait(SAMPLE_PAUSE_S)

    def _sample_once(self) -> None:
        self.samples += 1
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            for part in ("cmdline", "environ"):
                with contextlib.suppress(OSError):
                    with open(f"/proc/{entry.name}/{part}", "rb") as source:
                        data = source.read()
                    if part == "cmdline" and self.app_marker in data:
                        self.app_seen += 1
                    if any(needle in data for needle in self.needles):
                        self.hits.append(f"pid {entry.name} {part}: {data[:200]!r}")


@dataclass
class Kind:
    """How one target kind's spec is written for version ``version`` (failing its health check if asked)."""

    name: str
    write_spec: Callable[[Project, str, bool], None]
    app_marker: bytes


def _process_spec(project: Project, version: str, fail: bool) -> None:
    project.spec(version, extra="secrets: [{name: API_KEY, pattern: '^canary-', min_length: 16}]\n",
                 app_env={"APP_FAIL_HEALTH": "1"} if fail else None, deadline="2s" if fail else "20s")


def _service(project: Project) -> str:
    """The Docker service's name, unique to the project: its image tags are removed afterwards."""
    return "redact-" + hashlib.sha256(str(project.root).encode()).hexdigest()[:10]


def _docker_spec(project: Project, version: str, fail: bool, kind: str = "docker") -> None:
    fail_env = ", APP_FAIL_HEALTH: '1'" if fail else ""
    swarm = "  update: {parallelism: 1, delay: 0s, order: start-first, monitor: 1s}\n" if kind == "swarm" else ""
    (project.root / "shipmate.yaml").write_text(f"""service: {_service(project)}
version: "{version}"
port: {project.port}
strategy: {"rolling" if kind == "swarm" else "blue-green"}
target:
  kind: {kind}
  build: {{context: .}}
  container_port: 8000
  stop_grace: 2s
  env: {{APP_BIND: 0.0.0.0{fail_env}}}
{swarm}health:
  interval: 200ms
  deadline: {"4s" if fail else "30s"}
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor: {{duration: 1s, interval: 200ms, min_samples: 3}}
secrets: [{{name: API_KEY, pattern: '^canary-', min_length: 16}}]
""")


def _swarm_spec(project: Project, version: str, fail: bool) -> None:
    _docker_spec(project, version, fail, kind="swarm")


KINDS = {"process": Kind("process", _process_spec, b"app.py"),
         "docker": Kind("docker", _docker_spec, b"/app/app.py"),
         "swarm": Kind("swarm", _swarm_spec, b"/app/app.py")}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest, project: Project) -> Iterator[tuple[Kind, Any]]:
    """The kind under test, with the Docker client (None for the process target) and the app in place."""
    chosen = KINDS[str(request.param)]
    client = request.getfixturevalue("engine") if chosen.name != "process" else None
    if chosen.name == "swarm":
        request.getfixturevalue("swarm_engine")
    shutil.copy(APP, project.root / "app.py")
    if client is not None:
        (project.root / "Dockerfile").write_text(DOCKERFILE)
    yield chosen, client
    if chosen.name == "swarm":
        remove_services(client, project)
    if client is not None:
        service = _service(project)
        for container in containers_of(client, project):
            remove_container(container)           # before their images are untagged
        for image in client.images.list(name=f"shipmate/{service}"):
            for tag in image.tags:
                if tag.startswith(f"shipmate/{service}:"):
                    with contextlib.suppress(APIError):   # 409: a Swarm task's container still going
                        client.images.remove(tag)     # untag only: layers may be shared


def _secrets(project: Project, *args: str, value: str) -> str:
    proc = subprocess.run([SHIPMATE, "secrets", *args], input=value + "\n", cwd=project.root,
                          env={**project.env, **DEBUG}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _cli(project: Project, *args: str, expect: int = 0) -> str:
    proc = project.run(*args, timeout=300, env=DEBUG)
    assert proc.returncode == expect, f"`shipmate {' '.join(args)}` exit {proc.returncode}:\n{proc.stdout}\n" \
                                      f"{proc.stderr}"
    return proc.stdout + proc.stderr


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _files_holding(roots: list[Path], needles: tuple[bytes, ...], skip: Path) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and skip not in path.parents:
                with contextlib.suppress(OSError):
                    data = path.read_bytes()
                    found += [f"{path}: {needle!r}" for needle in needles if needle in data]
    return found


def test_a_canary_secret_reaches_the_app_and_no_output_state_process_or_container(
        project: Project, kind: tuple[Kind, Any]) -> None:
    chosen, client = kind
    first, second = f"canary-{uuid.uuid4().hex}", f"canary-{uuid.uuid4().hex}"
    needles = tuple(text.encode() for text in (first, second))
    outputs: list[str] = []

    with ProcSampler(needles, chosen.app_marker) as sampler:
        chosen.write_spec(project, "1", False)
        outputs.append(_secrets(project, "set", "API_KEY", "--json", value=first))
        outputs.append(_cli(project, "deploy"))                                       # success
        assert project.get("/") == {"sha256": _sha(first), "version": "1"}

        chosen.write_spec(project, "2", True)
        outputs.append(_cli(project, "deploy", "--json", expect=1))                   # failure -> rolled back
        assert project.get("/") == {"sha256": _sha(first), "version": "1"}

        chosen.write_spec(project, "3", False)
        outputs.append(_secrets(project, "rotate", "API_KEY", value=second))         # a new version
        outputs.append(_cli(project, "deploy", "--json"))
        assert project.get("/") == {"sha256": _sha(second), "version": "3"}

        # Back to 1: with its v1, or -- once the promote of 3 retired v1 -- with the newest (v2).
        kept = (project.home() / "secrets" / "API_KEY" / "v1").is_file()
        outputs.append(_cli(project, "rollback"))
        assert project.get("/") == {"sha256": _sha(first if kept else second), "version": "1"}
        for command in READERS:
            outputs.append(_cli(project, *command))
            outputs.append(_cli(project, *command, "--json"))

    assert sampler.samples > 10 and sampler.app_seen > 0, "the sampler saw the app's processes"
    assert sampler.hits == []
    assert [text[:300] for text in outputs if any(needle.decode() in text for needle in needles)] == []
    home = project.home()
    runtime = Path(project.env["SHIPMATE_RUNTIME_DIR"])
    assert (home / "state.db").is_file() and list((home / "events").glob("*.jsonl"))
    if chosen.name == "process":
        assert list((home / "logs").rglob("*.log")), "instance logs were written and are scanned"
    assert _files_holding([home, runtime], needles, skip=home / "secrets") == []   # logs, db, -wal, JSONL
    if client is not None:
        made = containers_of(client, project)
        assert len(made) >= 3, [c.name for c in made]                 # v1, v2 (kept stopped), v3, v1 again
        leaks = [c.name for c in made if any(needle.decode() in json.dumps(c.attrs) for needle in needles)]
        assert leaks == []
        assert all("API_KEY_FILE=/run/secrets/API_KEY" in c.attrs["Config"]["Env"] for c in made)
    if chosen.name == "swarm":   # `docker service inspect`: the spec, the previous spec, and the secrets' metadata
        label = {"label": [f"shipmate.home={home_id(project)}"]}
        services, secrets = client.api.services(filters=label), client.api.secrets(filters=label)
        assert services and secrets
        assert [needle for needle in needles if needle.decode() in json.dumps([services, secrets])] == []
