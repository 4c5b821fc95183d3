"""`shipmate import compose`: read a compose file, convert one service, prove the result loads, write it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shipmate.errors import InvalidInputError, SpecError
from shipmate.ops.common.workspace import DEFAULT_SPEC
from shipmate.ops.results.imports import ComposeImport


def import_compose(compose_file: str, *, service: str | None = None, out: str | None = None,
                   force: bool = False) -> ComposeImport:
    """Write shipmate.yaml from one compose service; refuses to overwrite without ``force``."""
    import yaml

    from shipmate.spec.compose_import import choose_service, convert

    source = Path(compose_file)
    target = Path(out or DEFAULT_SPEC)
    compose = read_compose(source)
    chosen = choose_service(compose, service)
    spec, warnings = convert(compose, chosen)
    if target.exists() and target.resolve() == source.resolve():
        raise InvalidInputError(f"{target} is the compose file itself", hint="write the spec elsewhere with --out")
    if target.exists() and not force:
        raise InvalidInputError(f"{target} already exists", hint="pass --force to overwrite it, or choose --out")
    notes = [w.as_dict() for w in warnings]
    if source.absolute().parent.resolve() != target.absolute().parent.resolve() and _has_relative_paths(spec):
        notes.append({"path": "services." + chosen, "message": "build context and ./ mounts are kept as written: "
                      f"relative to {target.absolute().parent}, not to the compose file's folder"})
    header = f"# Written by `shipmate import compose` from {source.name} (service {chosen}).\n"
    header += "".join(f"# not carried: {n['path']}: {n['message']}\n" for n in notes)
    text = header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    _write_checked(target, text)
    return ComposeImport(written=str(target), service=spec["service"], compose_service=chosen, warnings=notes)


def read_compose(source: Path) -> dict[str, Any]:
    from shipmate.spec.yaml_source import parse_yaml, read_spec_text

    shown = str(source)
    if not source.exists():
        raise InvalidInputError(f"no such file: {shown}", hint="pass the path of docker-compose.yml")
    try:
        data, _ = parse_yaml(read_spec_text(source), file=shown)
    except SpecError as exc:
        raise InvalidInputError(f"{shown}: {exc.message}", hint=exc.hint) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{shown} is not a compose file: expected a mapping with services:",
                                hint="pass the path of docker-compose.yml")
    return data


def _has_relative_paths(spec: dict[str, Any]) -> bool:
    target = spec["target"]
    return "build" in target or any(v.startswith(".") for v in target.get("volumes", []))


def _write_checked(target: Path, text: str) -> None:
    """Load the new file with the real spec loader before it replaces anything: what is written is valid."""
    from shipmate.ops.common.spec_loading import load_spec

    temp = target.absolute().parent / f".{target.name}.import-{os.getpid()}"
    try:
        temp.write_text(text, encoding="utf-8")
        try:
            load_spec(temp)
        except SpecError as exc:
            raise InvalidInputError(f"the converted spec is not valid: {exc.message}",
                                    hint=f"fix the compose file ({exc.hint})" if exc.hint else None) from exc
        os.replace(temp, target)
    except OSError as exc:
        raise InvalidInputError(f"cannot write {target}: {exc.strerror or exc}",
                                hint="check the folder exists and is writable") from exc
    finally:
        temp.unlink(missing_ok=True)
