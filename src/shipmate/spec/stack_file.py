"""shipmate.stack.yaml: several services released together, each a path to its own spec, in dependency order.

`parse_stack` is pure (a mapping in, a StackSpec or a SpecError naming the key path out); `load_stack` reads the
stack file and the port of every member spec (plain YAML, no pydantic: `status -f` of a stack stays light).
The order comes from graphlib (stdlib): a dependency always deploys before its dependants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from shipmate.errors import SpecError

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_TOP_KEY = re.compile(r"^stack\s*:", re.MULTILINE)
CONDITIONS = ("service_healthy", "service_started")
_MEMBER_KEYS = ("spec", "depends_on")


@dataclass(frozen=True)
class StackMember:
    name: str                          # the key under services:
    spec: Path                         # its shipmate.yaml, absolute
    depends_on: tuple[str, ...]
    # compose's condition per dependency; a member deploys only after its dependencies' deploys ended, which
    # includes their health levels, so service_healthy and service_started are both met by the order itself
    conditions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StackSpec:
    name: str
    file: Path
    members: tuple[StackMember, ...]   # in dependency order (deploy order; down and undo go in reverse)

    def member(self, name: str) -> StackMember:
        return next(m for m in self.members if m.name == name)

    @property
    def order(self) -> list[str]:
        return [m.name for m in self.members]


def is_stack_file(path: Path) -> bool:
    """A stack file has a top-level `stack:` key (a service spec never has one). Cheap: no YAML parse."""
    try:
        if not path.is_file() or path.stat().st_size > 1024 * 1024:
            return False
        return _TOP_KEY.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def refuse_stack_here(data: dict[str, Any], file: Path) -> None:
    """A command that works on one service was given a stack file: say so, and which files it takes instead."""
    if "stack" not in data or "service" in data:
        return
    services = data.get("services")
    examples = [str(body["spec"]) for body in services.values() if isinstance(body, dict) and "spec" in body] \
        if isinstance(services, dict) else []
    raise _fail("this is a stack file; this command works on one service's spec", "stack", file,
                "pass -f with a member's spec" + (f" ({', '.join(examples[:3])})" if examples else "")
                + "; deploy, rollback, down, status, history and recover take the stack file")


def _fail(message: str, path: str, file: Path, hint: str) -> SpecError:
    return SpecError(message, path=path, file=str(file), hint=hint)


def _depends(raw: Any, where: str, file: Path) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """depends_on: [api] or compose's long form {api: {condition: service_healthy}}."""
    if raw is None:
        return (), ()
    if isinstance(raw, list):
        names = []
        for i, item in enumerate(raw):
            if not isinstance(item, str):
                raise _fail("must be a service name", f"{where}[{i}]", file, "e.g. depends_on: [api]")
            names.append(item)
        return tuple(names), tuple((n, "service_healthy") for n in names)
    if isinstance(raw, dict):
        conditions = []
        for name, body in raw.items():
            condition = body.get("condition", "service_healthy") if isinstance(body, dict) else "service_healthy"
            if condition not in CONDITIONS:
                raise _fail(f"unknown condition '{condition}'", f"{where}.{name}.condition", file,
                            "one of: " + ", ".join(CONDITIONS))
            conditions.append((str(name), str(condition)))
        return tuple(n for n, _ in conditions), tuple(conditions)
    raise _fail("must be a list of service names", where, file, "e.g. depends_on: [api]")


def parse_stack(data: Any, file: Path) -> StackSpec:
    """The stack in dependency order; SpecError (exit 2) naming the key path for anything wrong."""
    if not isinstance(data, dict):
        raise _fail("a stack file is a mapping", "", file, "e.g. {stack: shop, services: {api: {spec: ...}}}")
    name = data.get("stack")
    if not isinstance(name, str) or _NAME.match(name) is None:
        raise _fail("missing or invalid stack name", "stack", file, "set stack: to a DNS label, e.g. stack: shop")
    for key in data:
        if key not in ("stack", "services"):
            raise _fail(f"unknown key '{key}'", str(key), file, "a stack file has stack: and services:")
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        raise _fail("needs at least one service", "services", file, "e.g. services: {api: {spec: api/shipmate.yaml}}")
    members: dict[str, StackMember] = {}
    for key, body in services.items():
        where = f"services.{key}"
        if not isinstance(key, str) or _NAME.match(key) is None:
            raise _fail("a service name is a DNS label", where, file, "e.g. api, web, worker-1")
        if not isinstance(body, dict) or not isinstance(body.get("spec"), str) or not body["spec"].strip():
            raise _fail("needs spec: the path of its shipmate.yaml", f"{where}.spec", file,
                        "e.g. spec: api/shipmate.yaml (relative to the stack file)")
        for extra in body:
            if extra not in _MEMBER_KEYS:
                raise _fail(f"unknown key '{extra}'", f"{where}.{extra}", file, "a service has spec: and depends_on:")
        depends, conditions = _depends(body.get("depends_on"), f"{where}.depends_on", file)
        members[key] = StackMember(key, (file.parent / body["spec"]).absolute(), depends, conditions)
    for member in members.values():
        for i, dep in enumerate(member.depends_on):
            if dep not in members:
                raise _fail(f"unknown service '{dep}'", f"services.{member.name}.depends_on[{i}]", file,
                            "known: " + ", ".join(members))
            if dep == member.name:
                raise _fail("a service cannot depend on itself", f"services.{member.name}.depends_on[{i}]", file,
                            "remove it from its own depends_on")
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for member in members.values():   # file order among independent services: stable, as written
        sorter.add(member.name, *member.depends_on)
    try:
        order = _stable_order(sorter, list(members))
    except CycleError as exc:
        cycle = list(exc.args[1])
        raise _fail("depends_on has a cycle: " + " -> ".join(cycle), f"services.{cycle[0]}.depends_on", file,
                    "a stack deploys dependencies first; break the cycle") from exc
    return StackSpec(name, file, tuple(members[n] for n in order))


def _stable_order(sorter: TopologicalSorter[str], written: list[str]) -> list[str]:
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=written.index)
        order += ready
        sorter.done(*ready)
    return order


def check_ports(stack: StackSpec, ports: dict[str, int | None]) -> None:
    """A port used by two members: SpecError naming the second one's spec."""
    seen: dict[int, str] = {}
    for member in stack.members:
        port = ports.get(member.name)
        if port is None:
            continue
        if port in seen:
            raise _fail(f"port {port} is used twice: by {seen[port]} and {member.name}",
                        f"services.{member.name}.spec", stack.file, "give each service its own port: in its spec")
        seen[port] = member.name


def load_stack(path: Path) -> StackSpec:
    """Read and check a stack file and its members' specs (each must exist and name a port of its own)."""
    from shipmate.spec.yaml_source import load_mapping

    data, _ = load_mapping(path)
    stack = parse_stack(data, path.absolute())
    ports: dict[str, int | None] = {}
    for member in stack.members:
        if not member.spec.is_file():
            raise _fail(f"no such file: {member.spec}", f"services.{member.name}.spec", stack.file,
                        "the path is relative to the stack file")
        if is_stack_file(member.spec):
            raise _fail("is a stack file: stacks do not nest", f"services.{member.name}.spec", stack.file,
                        "list the services of that stack here instead")
        spec, _ = load_mapping(member.spec)
        port = spec.get("port")
        ports[member.name] = port if isinstance(port, int) else None
    check_ports(stack, ports)
    return stack
