"""Secret values as files: <home>/secrets/<NAME>/v<N>, directories 0700, files 0600; never in the database."""

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

_VERSION_FILE = re.compile(r"^v([1-9][0-9]{0,8})$")
FINGERPRINT_CHARS = 12


@dataclass(frozen=True)
class SecretVersion:
    name: str
    version: int
    path: Path
    fingerprint: str        # sha256 prefix of the value: tells versions apart without showing them
    created_at: float

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "fingerprint": self.fingerprint,
                "created_at": self.created_at}


def fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:FINGERPRINT_CHARS]


def secret_path(home: Path, name: str, version: int) -> Path:
    """Pure: where version ``version`` of ``name`` lives (instances get it as NAME_FILE)."""
    return home / "secrets" / name / f"v{version}"


class Vault:
    """One state folder's secrets."""

    def __init__(self, home: Path) -> None:
        self.root = home / "secrets"
        self.home = home

    def set(self, name: str, value: str) -> SecretVersion:
        """Write the next version; the previous ones stay for releases that still point at them."""
        _check_name(name)
        if not value:
            raise InvalidInputError(f"secret {name}: the value is empty",
                                    hint="pipe the value on stdin or use --from-file")
        folder = self.root / name
        for directory in (self.home, self.root, folder):
            directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.root, 0o700)
        os.chmod(folder, 0o700)
        remember(value)
        version = max(self._versions(name), default=0) + 1
        path = secret_path(self.home, name, version)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise StoreError(f"secret {name} v{version} was written by another command at the same time",
                             hint="run the command again") from exc
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value)
            out.flush()
            os.fsync(out.fileno())
        return self._version(name, version)

    def latest(self, name: str) -> SecretVersion | None:
        _check_name(name)
        versions = self._versions(name)
        return self._version(name, max(versions)) if versions else None

    def read(self, name: str, version: int) -> str:
        try:
            value = secret_path(self.home, name, version).read_text(encoding="utf-8")
        except OSError as exc:
            raise NotFoundError(f"secret {name} v{version} is gone",
                                hint=f"set it again with `shipmate secrets set {name}`") from exc
        remember(value)
        return value

    def listing(self) -> list[SecretVersion]:
        if not self.root.is_dir():
            return []
        names = sorted(p.name for p in self.root.iterdir() if re.match(SECRET_NAME_PATTERN, p.name))
        return [found for found in (self.latest(name) for name in names) if found is not None]

    def remove(self, name: str) -> int:
        """Delete every version of ``name``; returns how many were removed."""
        _check_name(name)
        versions = self._versions(name)
        if not versions:
            raise NotFoundError(f"no secret {name}", hint="`shipmate secrets list` shows the ones set")
        for version in versions:
            secret_path(self.home, name, version).unlink(missing_ok=True)
        (self.root / name).rmdir()
        drop_copies(self.root, name)
        return len(versions)

    def versions(self, name: str) -> list[int]:
        """Every version of ``name`` still stored, oldest first."""
        return sorted(self._versions(name))

    def remove_version(self, name: str, version: int) -> bool:
        """Delete one version (a superseded one); False when it was already gone."""
        _check_name(name)
        drop_copy(self.root, name, f"v{version}")
        try:
            secret_path(self.home, name, version).unlink()
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

    def _versions(self, name: str) -> list[int]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return [int(m.group(1)) for m in (_VERSION_FILE.match(p.name) for p in folder.iterdir()) if m]

    def _version(self, name: str, version: int) -> SecretVersion:
        path = secret_path(self.home, name, version)
        value = self.read(name, version)
        return SecretVersion(name, version, path, fingerprint(value), path.stat().st_mtime)


def _check_name(name: str) -> None:
    if re.match(SECRET_NAME_PATTERN, name) is None:
        raise InvalidInputError(f"{name!r} is not a secret name",
                                hint="use capitals, digits and '_', e.g. API_KEY")
