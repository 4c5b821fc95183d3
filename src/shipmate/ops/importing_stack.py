"""`shipmate import compose --all`: every compose service becomes a member of a stack (a spec per service in a
folder of its own, plus the stack file), keeping depends_on. All files are proven to load before any is written."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shipmate.errors import InvalidInputError, SpecError
from shipmate.ops.importing import read_compose
from shipmate.ops.results.imports import ComposeStackImport

DEFAULT_STACK = "shipmate.stack.yaml"


def import_compose_stack(compose_file: str, *, out: str | None = None, force: bool = False) -> ComposeStackImport:
    """Write ``out`` (the stack file) and NAME/shipmate.yaml beside it for every service; refuses to overwrite
    any of them without ``force``."""
    import yaml

    from shipmate.spec.compose_stack import convert_stack

    source = Path(compose_file)
    stack_file = Path(out or DEFAULT_STACK)
    compose = read_compose(source)
    folder = stack_file.absolute().parent
    back = os.path.relpath(source.absolute().parent, folder / "member")
    name = _stack_name(compose, source)
    specs, stack, warnings = convert_stack(compose, name, back.replace(os.sep, "/"))
    targets = {member: folder / member / "shipmate.yaml" for member in specs}
    existing = [p for p in [stack_file, *targets.values()] if p.exists()]
    if existing and not force:
        raise InvalidInputError(f"{existing[0]} already exists", hint="pass --force to overwrite, or choose --out")
    notes = [w.as_dict() for w in warnings]
    texts = {path: f"# Written by `shipmate import compose --all` from {source.name} (service {member}).\n"
             + "".join(f"# not carried: {n['path']}: {n['message']}\n" for n in notes
                       if n["path"].startswith(f"services.{member}.") or not n["path"].startswith("services."))
             + yaml.safe_dump(specs[member], sort_keys=False, allow_unicode=True)
             for member, path in targets.items()}
    texts[stack_file] = (f"# Written by `shipmate import compose --all` from {source.name}: deploy with "
                         f"`shipmate deploy -f {stack_file.name}`.\n" + yaml.safe_dump(stack, sort_keys=False))
    made = [p.parent for p in targets.values() if not p.parent.exists()]
    staged = _stage(texts)
    placed = False
    try:
        for temp, path in staged:   # every spec and the stack file load before anything is in place
            if path != stack_file:
                _load_checked(temp)
        _stack_checked(staged, stack_file)
        for temp, path in staged:
            os.replace(temp, path)
        placed = True
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        for new_dir in made if not placed else []:
            new_dir.rmdir()   # nothing half-done: the folders made for the specs go too
    services = [{"name": m, "compose_service": c, "written": str(targets[m])}
                for c, m in zip(compose["services"], specs, strict=True)]
    return ComposeStackImport(written=str(stack_file), stack=name, services=services, warnings=notes)


def _stack_name(compose: dict[str, object], source: Path) -> str:
    raw = compose.get("name") if isinstance(compose.get("name"), str) else source.absolute().parent.name
    label = re.sub(r"[^a-z0-9-]+", "-", str(raw).lower()).strip("-")[:63].strip("-")
    return label or "stack"


def _stage(texts: dict[Path, str]) -> list[tuple[Path, Path]]:
    staged = []
    try:
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.parent / f".{path.name}.import-{os.getpid()}"
            temp.write_text(text, encoding="utf-8")
            staged.append((temp, path))
    except OSError as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise InvalidInputError(f"cannot write {path}: {exc.strerror or exc}",
                                hint="check the folder exists and is writable") from exc
    return staged


def _load_checked(temp: Path) -> None:
    from shipmate.ops.common.spec_loading import load_spec

    try:
        load_spec(temp)
    except SpecError as exc:
        raise InvalidInputError(f"a converted spec is not valid: {exc.message}",
                                hint=f"fix the compose file ({exc.hint})" if exc.hint else None) from exc


def _stack_checked(staged: list[tuple[Path, Path]], stack_file: Path) -> None:
    """The stack file parses and orders (no cycle in depends_on) — checked on its own text before writing."""
    from shipmate.spec.stack_file import parse_stack
    from shipmate.spec.yaml_source import load_mapping

    temp = next(t for t, p in staged if p == stack_file)
    data, _ = load_mapping(temp)
    try:
        parse_stack(data, stack_file.absolute())
    except SpecError as exc:
        raise InvalidInputError(f"the compose file's depends_on cannot be a stack: {exc.message}",
                                hint=exc.hint) from exc
