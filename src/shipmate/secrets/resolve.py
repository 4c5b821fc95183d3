"""Before a deploy writes anything: every declared secret is set and valid; the release records the versions."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from shipmate.errors import InvalidInputError, PrerequisiteMissing
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.vault import Vault, secret_path
from shipmate.spec.secrets import SecretSpec


def with_secrets(home: Path, declared: tuple[SecretSpec, ...], config: ReleaseConfig) -> ReleaseConfig:
    """``config`` pinned to the newest version of each declared secret; refuses a missing or invalid one."""
    if not declared:
        return config
    if config.target_kind != "process":
        raise InvalidInputError(f"secrets: the {config.target_kind} target does not take secrets yet "
                                "(only kind: process passes them, as NAME_FILE)",
                                hint="remove `secrets:` for now, or mount a file yourself")
    vault = Vault(home)
    versions: dict[str, int] = {}
    missing = [secret.name for secret in declared if vault.latest(secret.name) is None]
    if missing:
        listed = f"secret {missing[0]} is" if len(missing) == 1 else f"secrets {', '.join(missing)} are"
        raise PrerequisiteMissing(f"{listed} declared in shipmate.yaml but not set",
                                  hint=f"run `shipmate secrets set {missing[0]}` with the value on stdin")
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
    return dataclasses.replace(config, secrets=versions, digest=digest)


def check_pinned(home: Path, config: ReleaseConfig) -> None:
    """A rollback runs with the versions its release recorded: each must still be there."""
    for name, version in sorted(config.secrets.items()):
        if not secret_path(home, name, version).is_file():
            raise PrerequisiteMissing(f"release {config.version} needs secret {name} v{version}, which was removed",
                                      hint=f"deploy again after `shipmate secrets set {name}`, or roll back to "
                                           "another version with --to")
