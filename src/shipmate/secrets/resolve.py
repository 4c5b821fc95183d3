"""Before a deploy writes anything: every declared secret is set and valid; the release records the versions."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from shipmate.errors import InvalidInputError, PrerequisiteMissingError
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.vault import Vault, secret_path
from shipmate.spec.secrets import SecretSpec

# process: NAME_FILE is the file in the state folder; docker: that file mounted read-only at /run/secrets/NAME;
# swarm: its own Docker secrets (name_vN), made by the swarm target from ``config.secrets``.
SECRET_TARGETS = ("process", "docker", "swarm")
SECRET_NAMES = "secret_names"       # target_settings key: the docker target mounts these names' NAME_FILE
SECRET_FILES = "secret_files"       # target_settings key for swarm: name -> <home>/secrets/NAME/vN


def with_secrets(home: Path, declared: tuple[SecretSpec, ...], config: ReleaseConfig) -> ReleaseConfig:
    """``config`` pinned to the newest version of each declared secret (the environment's own, else the
    service-wide one); refuses a missing or invalid one."""
    if not declared:
        return config
    if config.target_kind not in SECRET_TARGETS:
        raise InvalidInputError(f"secrets: the {config.target_kind} target does not take secrets",
                                hint=f"secrets reach the {', '.join(SECRET_TARGETS)} targets; remove `secrets:`")
    vault = Vault(home, config.environment)
    versions: dict[str, int] = {}
    missing = [secret.name for secret in declared if vault.latest(secret.name) is None]
    if missing:
        listed = f"secret {missing[0]} is" if len(missing) == 1 else f"secrets {', '.join(missing)} are"
        only = "" if config.environment == "default" else f" (add --env {config.environment} for it alone)"
        raise PrerequisiteMissingError(f"{listed} declared in shipmate.yaml but not set",
                                       hint=f"run `shipmate secrets set {missing[0]}` with the value on stdin{only}")
    for secret in declared:
        latest = vault.latest(secret.name)
        assert latest is not None
        problem = secret.problem_with(vault.read(secret.name, latest.version))
        if problem is not None:
            raise InvalidInputError(f"secret {secret.name} (v{latest.version}, {latest.fingerprint}) {problem}",
                                    hint=f"set a valid value with `shipmate secrets set {secret.name}`")
        versions[secret.name] = latest.version
    # The versions are part of what runs: a rotated secret is a new release, not "already running".
    pinned = ",".join(f"{name}=v{version}" for name, version in sorted(versions.items()))
    digest = hashlib.sha256(f"{config.digest}|{pinned}".encode()).hexdigest()[:len(config.digest) or 16]
    return dataclasses.replace(config, secrets=versions, digest=digest,
                               target_settings=_for_target(home, config, versions))


def _for_target(home: Path, config: ReleaseConfig, versions: dict[str, int]) -> dict[str, object]:
    """What a container target reads besides ``config.secrets``: docker, which NAME_FILE paths it mounts;
    swarm (no LaunchSpec, no home), the files it makes its Docker secrets (name_vN) from."""
    if config.target_kind == "docker":
        return {**config.target_settings, SECRET_NAMES: sorted(versions)}
    if config.target_kind == "swarm":
        files = {name: str(secret_path(home, name, version)) for name, version in sorted(versions.items())}
        return {**config.target_settings, SECRET_FILES: files}
    return config.target_settings


def check_pinned(home: Path, config: ReleaseConfig) -> None:
    """A rollback runs with the versions its release recorded: each must still be there."""
    for name, version in sorted(config.secrets.items()):
        if not secret_path(home, name, version).is_file():
            raise PrerequisiteMissingError(
                f"release {config.version} needs secret {name} v{version}, which was removed",
                hint=f"deploy again after `shipmate secrets set {name}`, or roll back to "
                     "another version with --to")


def pinned_for_rollback(home: Path, config: ReleaseConfig) -> tuple[ReleaseConfig, list[str]]:
    """A stored release to run again, with the versions it recorded; a version retired after a rotation is
    replaced by the newest one (the old value is superseded, often revoked). Refused when none is left."""
    vault = Vault(home, config.environment)
    versions = dict(config.secrets)
    warnings: list[str] = []
    for name, version in sorted(config.secrets.items()):
        if secret_path(home, name, version).is_file():
            continue
        latest = vault.latest(name)
        if latest is None:
            raise PrerequisiteMissingError(
                f"release {config.version} needs secret {name} v{version}, which was removed",
                hint=f"deploy again after `shipmate secrets set {name}`, or roll back to "
                     "another version with --to")
        versions[name] = latest.version
        warnings.append(f"secret {name} v{version} of release {config.version} was retired after a rotation: "
                        f"it runs with v{latest.version} ({latest.fingerprint})")
    if versions == config.secrets:
        return config, []
    pinned = ",".join(f"{name}=v{version}" for name, version in sorted(versions.items()))
    digest = hashlib.sha256(f"{config.digest}|repinned:{pinned}".encode()).hexdigest()[:len(config.digest) or 16]
    return dataclasses.replace(config, secrets=versions, digest=digest,
                               target_settings=_for_target(home, config, versions)), warnings
