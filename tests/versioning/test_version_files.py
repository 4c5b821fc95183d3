"""The version is written into each kind of file changing nothing else; a file without its field is an error."""

from __future__ import annotations

from typing import Any

import pytest

from shipmate.errors import InvalidInputError
from shipmate.versioning.version_files import kind_for, read_version, write_version
from tests.versioning.version_cases import cases


@pytest.mark.parametrize("case", cases("version_files.yaml"))
def test_a_version_file_is_edited_as_its_case_says(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(InvalidInputError) as caught:
            write_version(case["kind"], "the-file", case["text"], case["version"])
        assert case["error"] in caught.value.message
        assert caught.value.message.startswith("the-file: ") and "\n" not in caught.value.message
        assert caught.value.hint
        return
    written = write_version(case["kind"], "the-file", case["text"], case["version"])
    assert written == case["expect"]
    assert read_version(case["kind"], "the-file", written) == case["version"]


@pytest.mark.parametrize(("path", "kind"), [("VERSION", "text"), ("pyproject.toml", "pyproject"),
                                            ("web/package.json", "package_json"), ("src/pkg/__init__.py", "python"),
                                            ("setup.cfg", None)])
def test_a_bare_path_names_its_kind(path: str, kind: str | None) -> None:
    assert kind_for(path) == kind
