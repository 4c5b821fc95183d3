"""Read shipmate.yaml into plain data: safe YAML only, duplicate keys refused, positions kept.

Stdlib + PyYAML only (no pydantic), so the fast read-only path (service_names.py) can use it too.
Positions map each key path to its line and column, so errors can be reported in document order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shipmate.errors import SpecError
from shipmate.spec.quoting import clip

MAX_SPEC_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_NUMBER_CHARS = 100  # every number in a spec is small; longer ones only come from typos or fuzzing
_INT_TAG = "tag:yaml.org,2002:int"
INIT_HINT = "run `shipmate init` to write an example, or pass -f FILE"

Loc = tuple[str | int, ...]
# Positions also hold (*loc, END_OF_MAPPING): where that mapping ends, the place of a missing key.
END_OF_MAPPING = "\x00end"


def read_spec_text(path: Path) -> str:
    """The file's text; SpecError for anything that keeps us from reading it."""
    shown = str(path)
    if not path.exists():
        raise SpecError(f"no such file: {shown}", file=shown, hint=INIT_HINT)
    if not path.is_file():
        raise SpecError(
            f"not a file: {shown}", file=shown, hint="pass the path of shipmate.yaml with -f FILE"
        )
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"spec file is larger than {MAX_SPEC_BYTES} bytes: {shown}",
                file=shown,
                hint="a shipmate.yaml is a few dozen lines; is -f pointing at the right file?",
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text: {shown}", file=shown, hint="save the file as UTF-8") from exc
    except OSError as exc:
        raise SpecError(
            f"cannot read {shown}: {exc.strerror or exc}", file=shown, hint="check the file's permissions"
        ) from exc


def _walk(node: yaml.Node, loc: Loc, positions: dict[Loc, tuple[int, int]], file: str) -> None:
    # Aliases make a small file expand into a huge tree ("billion laughs"): count every visit.
    if len(positions) > MAX_NODES:
        raise SpecError(f"spec has more than {MAX_NODES} values once YAML aliases are expanded", file=file,
                        hint="a shipmate.yaml needs few aliases (&name / *name); remove the nested ones")
    positions.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
    _refuse_huge_number(node, loc, file)
    if isinstance(node, yaml.MappingNode):
        positions[(*loc, END_OF_MAPPING)] = (node.end_mark.line + 1, node.end_mark.column + 1)
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key: Any = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            _refuse_huge_number(key_node, loc, file)
            if key in seen:
                mark = key_node.start_mark
                raise SpecError(
                    f"duplicate key '{clip(str(key))}' at line {mark.line + 1}, column {mark.column + 1}",
                    path=dotted_path(loc),
                    file=file,
                    hint="keep one of them; YAML would silently use the last",
                )
            seen.add(key)
            child = (*loc, key if isinstance(key, str) else str(key))
            positions.setdefault(child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            _walk(value_node, child, positions, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), positions, file)


def _refuse_huge_number(node: yaml.Node, loc: Loc, file: str) -> None:
    """A YAML integer too long to be meant: refused here, with its key path, before int() chokes on it."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_CHARS:
        mark = node.start_mark
        raise SpecError(
            f"number with {len(node.value)} characters at line {mark.line + 1}, column {mark.column + 1} "
            "is too long",
            path=dotted_path(loc),
            file=file,
            hint="numbers in shipmate.yaml are small; quote it if it is meant as text",
        )


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str, locate: bool) -> SpecError:
    """A character YAML refuses (control characters, even in comments): say where, and under which key."""
    before = text[: max(0, exc.position)]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    return SpecError(
        f"character #x{exc.character:04x} is not allowed in YAML, at line {line}, column {column}"
        if isinstance(exc.character, int)
        else f"invalid byte in YAML at line {line}, column {column}",
        path=_key_at(text, line, column, file) if locate else "",
        file=file,
        hint="remove it; control characters are refused even inside comments (write \\t or \\x01 "
        "inside a double-quoted string instead)",
    )


def _key_at(text: str, line: int, column: int, file: str) -> str:
    """The key path of the value at line:column, found by reading the text with bad characters blanked."""
    blanked = "".join(ch if ch in "\t\n\r" or ch.isprintable() else " " for ch in text)
    try:
        _, positions = parse_yaml(blanked, file=file, locate_bad_characters=False)
    except SpecError:
        return ""
    on_line = [(pos[1], loc) for loc, pos in positions.items()
               if pos[0] == line and pos[1] <= column and loc and loc[-1] != END_OF_MAPPING]
    return dotted_path(max(on_line, key=lambda item: (item[0], len(item[1])))[1]) if on_line else ""


def parse_yaml(text: str, *, file: str, locate_bad_characters: bool = True) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """(data, positions) from YAML text; SpecError with line:column on syntax errors and duplicates."""
    try:
        loader = yaml.SafeLoader(text)  # refuses control characters at once, with a ReaderError
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file, locate_bad_characters) from exc
    try:
        node = loader.get_single_node()
        positions: dict[Loc, tuple[int, int]] = {}
        if node is None:
            return None, positions
        _walk(node, (), positions, file)
        data = loader.construct_document(node)
    except RecursionError as exc:
        raise SpecError("spec is nested too deeply", file=file, hint="a shipmate.yaml is a few levels deep") from exc
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file, locate_bad_characters) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = clip(exc.problem or exc.context or "invalid YAML", 200)
        raise SpecError(
            f"YAML syntax error{where}: {problem}",
            file=file,
            hint="plain YAML only: no !!tags"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else "check indentation and quoting near that line",
        ) from exc
    except yaml.YAMLError as exc:
        raise SpecError(
            f"YAML syntax error: {clip(str(exc).splitlines()[0], 200)}", file=file,
            hint="check indentation and quoting"
        ) from exc
    except (ValueError, OverflowError) as exc:  # a value PyYAML cannot build (e.g. a huge hex number)
        raise SpecError(f"YAML value cannot be read: {clip(str(exc), 200)}", file=file,
                        hint="numbers in shipmate.yaml are small; quote a value that is meant as text") from exc
    finally:
        loader.dispose()
    return data, positions


def load_mapping(path: Path) -> tuple[dict[str, Any], dict[Loc, tuple[int, int]]]:
    """The spec file as a top-level mapping; SpecError when it is empty or anything else."""
    shown = str(path)
    data, positions = parse_yaml(read_spec_text(path), file=shown)
    if data is None:
        raise SpecError(f"spec file is empty: {shown}", file=shown, hint=INIT_HINT)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"'{clip(data)}'" if isinstance(data, str) else clip(repr(data))
        raise SpecError(
            f"expected a mapping of keys at the top level, got {kind}",
            file=shown,
            hint="start with `service: NAME` on the first line; see `shipmate init`",
        )
    return data, positions


def dotted_path(loc: Loc) -> str:
    """('health', 'checks', 0, 'http') -> 'health.checks[0].http'."""
    out = ""
    for part in loc:
        name = clip(part, 40) if isinstance(part, str) else part
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else str(name))
    return out
