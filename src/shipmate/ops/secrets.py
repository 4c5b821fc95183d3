"""secrets set / rotate / list / rm: values go in as bytes on stdin or a file, and never come back out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.secrets import SecretDryRun, SecretInfo, SecretRemoved, SecretsList, SecretWritten


def secrets_set(spec_file: str | None, name: str, value: str, environment: str | None = None, *,
                dry_run: bool = False) -> SecretWritten | SecretDryRun:
    """Store ``value`` as the next version of ``name`` (a rotation when one exists); the next deploy uses it.
    With ``environment`` the version is that environment's only; without, it is the service-wide one.
    ``dry_run``: the same checks, what would be written, nothing stored."""
    from shipmate.secrets.redact import MIN_LENGTH
    from shipmate.secrets.vault import Vault

    value = value.removesuffix("\n").removesuffix("\r")   # `echo x |` and editors add one line end
    ws = Workspace.locate(spec_file)
    _check_environment(ws.spec_path, environment)
    if dry_run:
        return _would_set(ws, name, value, environment)
    written = Vault(ws.home, environment).set(name, value)
    warnings = [f"{name} is shorter than {MIN_LENGTH} characters: output is not filtered for it"] \
        if len(value) < MIN_LENGTH else []
    problem = _rule_problem(ws.spec_path, name, value)
    if problem is not None:
        warnings.append(f"{name} v{written.version} {problem}: the next deploy will refuse it")
    return SecretWritten(SecretInfo.of(written), rotated=written.version > 1, warnings=warnings)


def _would_set(ws: Workspace, name: str, value: str, environment: str | None) -> SecretDryRun:
    from shipmate.secrets.vault import Vault, check_value

    check_value(name, value)
    before = Vault(ws.home, environment).latest(name)
    problem = _rule_problem(ws.spec_path, name, value)
    return SecretDryRun(True, {"name": name, "environment": environment}, SecretInfo.of(before) if before else None,
                        [f"{name} {problem}: the next deploy would refuse it"] if problem else [])


def secrets_rotate(spec_file: str | None, name: str, value: str, environment: str | None = None, *,
                   dry_run: bool = False) -> SecretWritten | SecretDryRun:
    """A new version of a secret that exists; the next deploy uses it, and the old version is removed once
    that release passed its monitor window. A name never set is refused (a typo would start a new secret).
    With ``environment``, the rotation is that environment's own (staging's rotation leaves production alone)."""
    from shipmate.secrets.vault import Vault

    vault = Vault(Workspace.locate(spec_file).home, environment)
    before = vault.latest(name)
    if before is None:
        raise NotFoundError(f"secret {name} was never set: nothing to rotate",
                            hint=f"set it first with `shipmate secrets set {name}` (value on stdin); "
                                 "`shipmate secrets list` shows the ones set")
    result = secrets_set(spec_file, name, value, environment, dry_run=dry_run)
    if isinstance(result, SecretDryRun):
        return result
    if result.secret.fingerprint == before.fingerprint:
        result.warnings.append(f"{name} v{result.secret.version} has the same value as v{before.version}")
    return dataclasses.replace(result, previous=SecretInfo.of(before))


def _check_environment(spec_path: Path, environment: str | None) -> None:
    """An environment the spec does not declare is refused (a typo would store a value no deploy reads)."""
    from shipmate.errors import SpecError
    from shipmate.ops.common.spec_loading import load_spec

    if environment is None:
        return
    try:
        load_spec(spec_path, environment=environment)
    except SpecError as exc:
        if exc.path == "environments":
            raise


def _rule_problem(spec_path: Path, name: str, value: str) -> str | None:
    """What the spec's rule for ``name`` says about ``value`` (never quoting it); None when the spec cannot
    be read or declares no rule: the deploy checks again anyway."""
    from shipmate.errors import ShipmateError
    from shipmate.ops.common.spec_loading import load_spec

    try:
        declared = load_spec(spec_path).spec.secrets
    except ShipmateError:
        return None
    rule = next((secret for secret in declared if secret.name == name), None)
    return rule.problem_with(value) if rule is not None else None


def read_value_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the secret file {path}: {type(exc).__name__}",
                                hint="give a readable UTF-8 file with --from-file, or pipe the value on stdin") from exc


def secrets_list(spec_file: str | None) -> SecretsList:
    from shipmate.secrets.vault import Vault

    return SecretsList([SecretInfo.of(found) for found in Vault(Workspace.locate(spec_file).home).listing()])


def secrets_rm(spec_file: str | None, name: str, environment: str | None = None) -> SecretRemoved:
    from shipmate.secrets.vault import Vault

    removed = Vault(Workspace.locate(spec_file).home, environment).remove(name)
    return SecretRemoved(name, removed, environment=environment)
