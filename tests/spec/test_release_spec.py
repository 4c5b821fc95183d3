"""The spec's `release:` section: the README's example loads, and `version: git` reads a release tag."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.spec.release_section import release_section
from shipmate.spec.release_spec import released_version

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_release_example_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("```yaml", text.index("### Versions and releases")) + len("```yaml\n")
    settings, service = release_section(write_spec(tmp_path, MINIMAL_SPEC + text[start:text.index("```", start)]))
    assert service == "web"
    assert [f.kind for f in settings.version_files] == ["text", "pyproject", "package_json", "python"]
    assert [s.name for s in settings.steps] == ["build", "publish"] and settings.steps[1].timeout == 300.0


def test_no_release_section_is_the_defaults(tmp_path: Path) -> None:
    settings, _ = release_section(write_spec(tmp_path, MINIMAL_SPEC))
    assert (settings.version_files, settings.tag_format, settings.major_on_zero, settings.changelog,
            settings.steps) == ((), "v{version}", False, "CHANGELOG.md", ())


@pytest.mark.parametrize(("described", "tag_format", "version"), [
    ("v1.2.3", "v{version}", "1.2.3"),
    ("v2.0.0-rc.1", "v{version}", "2.0.0-rc.1"),
    ("v1.2.3-dirty", "v{version}", "v1.2.3-dirty"),
    ("v1.2.3-4-gabc1234", "v{version}", "v1.2.3-4-gabc1234"),
    ("v1.2.3-4-gabc1234-dirty", "v{version}", "v1.2.3-4-gabc1234-dirty"),
    ("abc1234", "v{version}", "abc1234"),                   # no tag at all: describe --always
    ("api-v1.0.0", "api-v{version}", "1.0.0"),
    ("v1.0.0", "api-v{version}", "v1.0.0"),                 # another component's tag
    ("v1.2", "v{version}", "v1.2"),
])
def test_version_git_is_the_release_version_only_at_a_clean_release_tag(described: str, tag_format: str,
                                                                         version: str) -> None:
    assert released_version(described, tag_format) == version
