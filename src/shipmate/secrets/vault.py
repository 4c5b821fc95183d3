"""Secret values as files: <home>/secrets/<NAME>/v<N>, directories 0700, files 0600; never in the database.

A version for one environment only is <home>/secrets/<NAME>/v<N>@<environment>. Version numbers are unique per
name across environments, so (name, version) still names one file: releases pin versions as before, and a
release of staging can never start with production's value. Lookup for an environment: its own newest
version, else the service-wide newest (what an older shipmate wrote keeps working)."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from shipmate.errors import InvalidInputError, NotFoundError, StoreError
from shipmate.secrets.readable import drop_copies, drop_copy
from shipmate.secrets.redact import remember
from shipmate.spec.secret_names import SECRET_NAME_PATTERN

_VERSION_FILE = re.compile(r"^v([1-9][0-9]{0,8})(?:@([a-z0-9][a-z0-9-]{0,62}))?$")
FINGERPRINT_CHARS = 12


@dataclass(frozen=True)
class SecretVersion:
    name: str
    version: int
    path: Path
    fingerprint: str        # sha256 prefix of the value: tells versions apart without showing them
    created_at: float
    environment: str | None = None    # None: service-wide

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "version": self.version, "fingerprint": self.fingerprint,
                                  "created_at": self.created_at}
        if self.environment is not None:
            out["environment"] = self.environment
        return out


def fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:FINGERPRINT_CHARS]


def secret_path(home: Path, name: str, version: int) -> Path:
    """Where version ``version`` of ``name`` lives (instances get it as NAME_FILE): the service-wide file, or
    the one environment's file when that is the one that exists."""
    shared = home / "secrets" / name / f"v{version}"
    if shared.is_file():
        return shared
    scoped = sorted((home / "secrets" / name).glob(f"v{version}@*")) if (home / "secrets" / name).is_dir() else []
    return scoped[0] if scoped else shared


def _file_name(version: int, environment: str | None) -> str:
    return f"v{version}" if environment is None else f"v{version}@{environment}"


class Vault:
    """One state folder's secrets, seen from ``environment`` (None: the service-wide ones only)."""

    def __init__(self, home: Path, environment: str | None = None) -> None:
        self.root = home / "secrets"
        self.home = home
        self.environment = environment

    def set(self, name: str, value: str) -> SecretVersion:
        """Write the next version; the previous ones stay for releases that still point at them."""
        check_value(name, value)
        folder = self.root / name
        for directory in (self.home, self.root, folder):
            directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.root, 0o700)
        os.chmod(folder, 0o700)
        remember(value)
        version = max(self._all_versions(name), default=0) + 1
        path = folder / _file_name(version, self.environment)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise StoreError(f"secret {name} v{version} was written by another command at the same time",
                             hint="run the command again") from exc
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value)
            out.flush()
            os.fsync(out.fileno())
        if len([found for found in self._entries(name) if found[0] == version]) > 1:
            path.unlink()       # another environment took the same number at the same instant
            raise StoreError(f"secret {name} v{version} was written by another command at the same time",
                             hint="run the command again")
        return self._version(name, version)

    def latest(self, name: str) -> SecretVersion | None:
        """This environment's newest version, else the newest service-wide one."""
        _check_name(name)
        own = self._versions(name, self.environment)
        if own:
            return self._version(name, max(own))
        shared = self._versions(name, None) if self.environment is not None else []
        return self._version(name, max(shared)) if shared else None

    def read(self, name: str, version: int) -> str:
        try:
            value = secret_path(self.home, name, version).read_text(encoding="utf-8")
        except OSError as exc:
            raise NotFoundError(f"secret {name} v{version} is gone",
                                hint=f"set it again with `shipmate secrets set {name}`") from exc
        remember(value)
        return value

    def listing(self) -> list[SecretVersion]:
        """The newest version of each name in each scope (service-wide and every environment)."""
        if not self.root.is_dir():
            return []
        names = sorted(p.name for p in self.root.iterdir() if re.match(SECRET_NAME_PATTERN, p.name))
        found: list[SecretVersion] = []
        for name in names:
            newest: dict[str | None, int] = {}
            for version, scope in self._entries(name):
                newest[scope] = max(version, newest.get(scope, 0))
            found += [self._version(name, version) for _, version in
                      sorted(newest.items(), key=lambda item: (item[0] is not None, item[0] or ""))]
        return found

    def remove(self, name: str) -> int:
        """Delete every version of ``name`` in this vault's scope; returns how many were removed."""
        _check_name(name)
        versions = self._versions(name, self.environment)
        if not versions:
            scope = f" for {self.environment}" if self.environment else " (service-wide)"
            raise NotFoundError(f"no secret {name}{scope}", hint="`shipmate secrets list` shows the ones set")
        for version in versions:
            drop_copy(self.root, name, _file_name(version, self.environment))
            (self.root / name / _file_name(version, self.environment)).unlink(missing_ok=True)
        if not self._entries(name):
            (self.root / name).rmdir()
            drop_copies(self.root, name)
        return len(versions)

    def versions(self, name: str, environment: str | None = None) -> list[int]:
        """Every version of ``name`` in one scope (None: service-wide), oldest first."""
        return sorted(self._versions(name, environment))

    def scope_of(self, name: str, version: int) -> str | None:
        """The environment version ``version`` of ``name`` belongs to (None: service-wide)."""
        return next((scope for found, scope in self._entries(name) if found == version), None)

    def remove_version(self, name: str, version: int) -> bool:
        """Delete one version (a superseded one); False when it was already gone."""
        _check_name(name)
        path = secret_path(self.home, name, version)
        drop_copy(self.root, name, path.name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def remember_all(self) -> None:
        """Make every stored value known to the redaction filter (each command does this when it starts)."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            for path in folder.glob("v*") if folder.is_dir() else ():
                try:
                    remember(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    continue

    def _versions(self, name: str, environment: str | None) -> list[int]:
        return [version for version, found in self._entries(name) if found == environment]

    def _all_versions(self, name: str) -> list[int]:
        return [version for version, _ in self._entries(name)]

    def _entries(self, name: str) -> list[tuple[int, str | None]]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return [(int(m.group(1)), m.group(2)) for m in (_VERSION_FILE.match(p.name) for p in folder.iterdir()) if m]

    def _version(self, name: str, version: int) -> SecretVersion:
        path = secret_path(self.home, name, version)
        value = self.read(name, version)
        return SecretVersion(name, version, path, fingerprint(value), path.stat().st_mtime,
                             self.scope_of(name, version))


def check_value(name: str, value: str) -> None:
    """A name that can be stored and a value that is not empty (what `set` refuses before writing)."""
    _check_name(name)
    if not value:
        raise InvalidInputError(f"secret {name}: the value is empty",
                                hint="pipe the value on stdin or use --from-file")


def _check_name(name: str) -> None:
    if re.match(SECRET_NAME_PATTERN, name) is None:
        raise InvalidInputError(f"{name!r} is not a secret name",
                                hint="use capitals, digits and '_', e.g. API_KEY")
