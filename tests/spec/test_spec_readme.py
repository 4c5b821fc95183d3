"""The spec reference in the README loads, and so do its commented canary and rolling sections."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import write_spec

from shipmate.spec.loader import load_spec

README = Path(__file__).resolve().parents[2] / "README.md"


def _reference_block() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```yaml", text.index("### The spec")) + len("```yaml\n")
    return text[start:text.index("```", start)]


def _uncommented_section(block: str, name: str) -> str:
    lines = block.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"# {name}:"))
    last = next(i for i in range(first + 1, len(lines) + 1) if i == len(lines) or not lines[i].startswith("#  "))
    return "\n".join(line[2:] for line in lines[first:last]) + "\n"


def test_the_readme_spec_reference_loads(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, _reference_block())).spec
    assert spec.strategy == "blue-green" and spec.replicas == 1 and spec.canary is None and spec.rolling is None


@pytest.mark.parametrize("strategy", ["canary", "rolling"])
def test_the_readme_strategy_sections_load_and_show_the_defaults(tmp_path: Path, strategy: str) -> None:
    block = _reference_block().replace("strategy: blue-green", f"strategy: {strategy}")
    written = load_spec(write_spec(tmp_path, block + _uncommented_section(block, strategy))).spec
    defaults = load_spec(write_spec(tmp_path, block)).spec
    assert getattr(written, strategy) is not None
    assert (written.canary, written.rolling) == (defaults.canary, defaults.rolling)



def test_the_readme_docker_target_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("```yaml", text.index("### The Docker target")) + len("```yaml\n")
    target = text[start:text.index("```", start)]
    block = _reference_block()
    process_target = block[block.index("target:\n"):block.index("health:\n")]
    spec = load_spec(write_spec(tmp_path, block.replace(process_target, target))).spec
    assert spec.target.kind == "docker" and spec.target.container_port == 8000
