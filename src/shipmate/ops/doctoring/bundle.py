"""`doctor --bundle FILE`: what a person escalating needs, in one tar.gz — the spec, versions, the doctor report,
status, recent events and log tails — with the secret filter applied to every byte that goes in."""

from __future__ import annotations

import io
import json
import os
import platform
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipmate.errors import InvalidInputError, ShipmateError
from shipmate.ops.doctoring.context import DoctorContext

EVENTS = 200
LOG_LINES = 200


def write_bundle(ctx: DoctorContext, path: str, report: dict[str, Any]) -> dict[str, Any]:
    """Write the archive atomically (a partial file never has the final name); what it holds."""
    from shipmate.secrets.redact import redact

    target = Path(path).expanduser().absolute()
    if not target.parent.is_dir():
        raise InvalidInputError(f"--bundle {path}: no such folder {target.parent}",
                                hint="give a path in an existing folder, e.g. --bundle ./doctor.tar.gz")
    parts: dict[str, str] = {
        "doctor.json": _json(report),
        "versions.json": _json(_versions()),
        "shipmate.yaml": _read(ctx.ws.spec_path),
        "status.json": _json(_collect(lambda: _status(ctx))),
        "events.json": _json(_collect(lambda: _events(ctx))),
        "logs.json": _json(_collect(lambda: _logs(ctx))),
    }
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with tarfile.open(partial, "w:gz") as tar:
            for name, text in parts.items():
                data = redact(text).encode("utf-8")
                info = tarfile.TarInfo(f"shipmate-doctor/{name}")
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except OSError as exc:
        raise InvalidInputError(f"--bundle {path}: cannot write it: {exc.strerror or exc}",
                                hint="check the folder's permissions and free space") from exc
    finally:
        partial.unlink(missing_ok=True)
    return {"path": str(target), "files": sorted(parts), "bytes": target.stat().st_size}


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, default=str, sort_keys=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"# not readable: {type(exc).__name__}"


def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("shipmate", "mcp", "pydantic", "sqlalchemy", "docker", "uvicorn"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _collect(read: Callable[[], Any]) -> Any:
    from shipmate.ops.results.json_result import as_json

    try:
        return as_json(read())        # a typed result's --json object
    except ShipmateError as exc:
        return {"unavailable": exc.message}


def _status(ctx: DoctorContext) -> Any:
    from shipmate.ops.reading_status import status

    return status(ctx.spec_file, environment=ctx.environment)


def _events(ctx: DoctorContext) -> Any:
    from shipmate.ops.reading_history import events

    return events(ctx.spec_file, environment=ctx.environment, limit=EVENTS)


def _logs(ctx: DoctorContext) -> Any:
    from shipmate.ops.reading_logs import logs

    return logs(ctx.spec_file, environment=ctx.environment, lines=LOG_LINES)
