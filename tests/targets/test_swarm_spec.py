"""Pure rules of the Swarm target: what shipmate.yaml may say for kind swarm (impossible combinations refused with
their key path and a hint, before any engine is asked), and the ServiceSpec a release config becomes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from swarm_support import swarm_config

from shipmate.errors import SpecError
from shipmate.ops.common.releases import config_from
from shipmate.release_config import ReleaseConfig
from shipmate.spec.loader import load_spec
from shipmate.targets.swarm_spec_build import HASH_LABEL, secret_name, service_name, service_spec

BASE = """\
service: web
version: "1"
port: 8080
replicas: 4
{extra}
target:
  kind: swarm
  image: 127.0.0.1:1/shipmate-test/hello:1
  container_port: 8000
{target}
"""


def _load(tmp_path: Path, target: str = "", extra: str = "") -> ReleaseConfig:
    path = tmp_path / "shipmate.yaml"
    path.write_text(BASE.format(target=target, extra=extra), encoding="utf-8")
    return config_from(load_spec(path))


def _refused(tmp_path: Path, target: str = "", extra: str = "") -> SpecError:
    with pytest.raises(SpecError) as caught:
        _load(tmp_path, target, extra)
    assert caught.value.exit_code == 2
    return caught.value


def test_a_swarm_spec_rolls_by_default_and_carries_swarms_settings(tmp_path: Path) -> None:
    config = _load(tmp_path, "  update: {parallelism: 2, delay: 1s, monitor: 2s}\n"
                             "  placement: {constraints: [node.role==worker], max_per_node: 2}\n"
                             "  stop_signal: SIGINT\n  stop_grace: 1s\n  converge_timeout: 2m")
    assert (config.target_kind, config.strategy, config.replicas, config.stop_grace_s) == ("swarm", "rolling", 4, 1.0)
    s = config.target_settings
    assert s["update"] == {"parallelism": 2, "delay": 1.0, "order": "start-first", "monitor": 2.0,
                           "failure_action": "rollback", "max_failure_ratio": 0.0}
    assert (s["constraints"], s["max_per_node"], s["published_port"]) == (["node.role==worker"], 2, None)
    assert s["converge_timeout_s"] == 120.0 and s["stop_signal"] == "SIGINT"
    assert ReleaseConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("strategy", ["blue-green", "canary"])
def test_strategies_swarm_cannot_run_are_refused_with_a_hint(tmp_path: Path, strategy: str) -> None:
    error = _refused(tmp_path, extra=f"strategy: {strategy}")
    assert error.path == "strategy"
    assert "rolling" in str(error.hint) and "recreate" in str(error.hint)


def test_an_update_monitor_shorter_than_its_delay_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, "  update: {delay: 5s, monitor: 1s}")
    assert error.path == "target.update.monitor" and "moby#37972" in str(error)
    assert "at least" in str(error.hint)


@pytest.mark.parametrize("section", ["update", "rollback"])
def test_start_first_with_a_fixed_published_port_is_refused(tmp_path: Path, section: str) -> None:
    other = "rollback" if section == "update" else "update"
    error = _refused(tmp_path, f"  published_port: 9000\n  {section}: {{order: start-first}}\n"
                               f"  {other}: {{order: stop-first}}")
    assert error.path == f"target.{section}.order"
    assert "published_port: null" in str(error.hint)


def test_a_fixed_published_port_with_stop_first_is_accepted(tmp_path: Path) -> None:
    config = _load(tmp_path, "  published_port: 9000\n  update: {order: stop-first}")
    assert config.target_settings["published_port"] == 9000


def test_more_tasks_at_once_than_replicas_is_refused_in_every_environment(tmp_path: Path) -> None:
    assert _refused(tmp_path, "  update: {parallelism: 5}").path == "target.update.parallelism"
    error = _refused(tmp_path, "  update: {parallelism: 3}", extra="environments: {staging: {replicas: 2}}")
    assert error.path == "target.update.parallelism" and "environments.staging.replicas" in str(error)


@pytest.mark.parametrize(("target", "path"), [
    ("  update: {paralelism: 1}", "target.update"),
    ("  image: 'repo/name:1 --privileged'", "target.image"),
    ("  placement: {constraints: ['node.role worker']}", "target.placement.constraints[0]"),
])
def test_unknown_keys_and_bad_values_name_their_path(tmp_path: Path, target: str, path: str) -> None:
    text = BASE.format(target=target, extra="").replace("  image: 127.0.0.1:1/shipmate-test/hello:1\n", "") \
        if "image:" in target else BASE.format(target=target, extra="")
    (tmp_path / "shipmate.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "shipmate.yaml")
    assert caught.value.path == path


def test_the_service_spec_publishes_in_host_mode_with_our_labels_and_secret_files_only(tmp_path: Path) -> None:
    config = swarm_config("web", "3", "sha256:" + "a" * 64, tmp_path, replicas=3, secrets={"API_KEY": 2})
    spec = service_spec(config, "home1", "sha256:" + "a" * 64, {"web_test_API_KEY_v2": "sid"})
    assert spec["Name"] == service_name("web", "test") == "shipmate-web-test"
    assert spec["EndpointSpec"] == {"Ports": [{"Protocol": "tcp", "TargetPort": 8000, "PublishMode": "host"}]}
    container = spec["TaskTemplate"]["ContainerSpec"]
    for labels in (spec["Labels"], container["Labels"]):
        assert labels["shipmate.home"] == "home1" and labels["shipmate.version"] == "3" and labels[HASH_LABEL]
    assert container["Secrets"] == [{"File": {"Name": "API_KEY", "UID": "0", "GID": "0", "Mode": 0o444},
                                     "SecretID": "sid", "SecretName": "web_test_API_KEY_v2"}]
    assert "API_KEY_FILE=/run/secrets/API_KEY" in container["Env"] and "PORT=8000" in container["Env"]
    assert (container["StopSignal"], container["StopGracePeriod"]) == ("SIGINT", 1_000_000_000)
    assert spec["UpdateConfig"]["Order"] == "start-first" and spec["Mode"] == {"Replicated": {"Replicas": 3}}


def test_recreate_replaces_every_task_at_once_stopping_old_ones_first(tmp_path: Path) -> None:
    config = swarm_config("web", "1", "sha256:x", tmp_path, replicas=3, strategy="recreate")
    update = service_spec(config, "h", "sha256:x", {})["UpdateConfig"]
    assert (update["Parallelism"], update["Order"]) == (3, "stop-first")


def test_the_spec_hash_ignores_secret_ids_and_the_deployment_and_follows_what_runs(tmp_path: Path) -> None:
    config = swarm_config("web", "1", "sha256:x", tmp_path, secrets={"API_KEY": 1})

    def digest(c: ReleaseConfig, ids: dict[str, str] | None = None) -> str:
        return str(service_spec(c, "h", "sha256:x", ids or {})["Labels"][HASH_LABEL])

    same = digest(config)
    assert digest(config, {"web_test_API_KEY_v1": "other-id"}) == same
    assert digest(dataclasses.replace(config, extra={"deployment_id": "dep_2"})) == same
    assert digest(dataclasses.replace(config, version="2")) != same
    assert digest(dataclasses.replace(config, replicas=3)) != same
    assert digest(dataclasses.replace(config, secrets={"API_KEY": 2})) != same


def test_recreate_overrides_the_update_order_so_a_fixed_port_is_fine_with_it(tmp_path: Path) -> None:
    config = _load(tmp_path, "  published_port: 9000\n  update: {parallelism: 9}", extra="strategy: recreate")
    assert config.strategy == "recreate" and config.target_settings["published_port"] == 9000
    assert _refused(tmp_path, "  published_port: 9000\n  rollback: {order: start-first}",
                    extra="strategy: recreate").path == "target.rollback.order"


def test_long_names_stay_within_dockers_limits_distinct_and_versioned() -> None:
    service, env = "s" * 63, "e" * 63
    assert len(service_name(service, env)) == 63 and service_name(service, env) != service_name(service, env[:-1])
    names = {secret_name(service, env, "API_KEY_" + "X" * 40, version) for version in (1, 2, 10)}
    assert len(names) == 3 and all(len(n) <= 64 for n in names)
    assert sorted(n.rsplit("_", 1)[1] for n in names) == ["v1", "v10", "v2"]
    assert secret_name("web", "prod", "API_KEY", 3) == "web_prod_API_KEY_v3"


def test_usage_of_a_task_on_another_node_is_cannot_look_not_gone() -> None:
    """The monitor reads None as "the instance died"; a remote task's stats are simply not visible from here."""
    from shipmate.engine.monitor_sources import ProcessSource
    from shipmate.errors import TargetError
    from shipmate.model import InstanceRef
    from shipmate.targets.swarm import SwarmTarget

    handle = {"task_id": "t1", "host": "10.77.0.2", "container_id": "c1"}
    with pytest.raises(TargetError, match=r"10\.77\.0\.2"):
        SwarmTarget().usage(handle)          # no engine is asked: the client is never made
    sample = ProcessSource(SwarmTarget(), [InstanceRef("t1", 8000, handle)]).look(InstanceRef("t1", 8000, handle), 0.0)
    assert sample.alive is True
