"""Declared secrets in shipmate.yaml: names and rules load, mistakes are refused naming the path."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.loader import load_spec
from shipmate.spec.secrets import SecretSpec

VALID = [
    ("bare_name", "secrets: [API_KEY]", [("API_KEY", None, None)]),
    ("mapping_with_rules", 'secrets: [{name: DB_PASSWORD, pattern: "^[A-Za-z0-9]{16,}$", min_length: 16}]',
     [("DB_PASSWORD", "^[A-Za-z0-9]{16,}$", 16)]),
    ("both_forms_mixed", 'secrets: [API_KEY, {name: TOKEN_2, pattern: "^sk-"}]',
     [("API_KEY", None, None), ("TOKEN_2", "^sk-", None)]),
    ("none_declared", "", []),
]

INVALID = [
    ("lower_case_name", "secrets: [api_key]", "secrets[0].name", "environment-variable-style"),
    ("name_starting_with_a_digit", "secrets: [1KEY]", "secrets[0].name", "environment-variable-style"),
    ("duplicate_name", "secrets: [API_KEY, {name: API_KEY}]", "secrets", "API_KEY is declared twice"),
    ("bad_regex", 'secrets: [{name: API_KEY, pattern: "(["}]', "secrets[0].pattern", "not a valid regular"),
    ("zero_min_length", "secrets: [{name: API_KEY, min_length: 0}]", "secrets[0].min_length", ""),
    ("unknown_key", "secrets: [{name: API_KEY, value: hunter2hunter2}]", "secrets[0]", "unknown key 'value'"),
    ("not_a_list", "secrets: API_KEY", "secrets", ""),
]


@pytest.mark.parametrize(("name", "text", "expected"), VALID, ids=[case[0] for case in VALID])
def test_declared_secrets_load(name: str, text: str, expected: list[tuple[str, str | None, int | None]],
                               tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, MINIMAL_SPEC + text + "\n"))
    assert [(s.name, s.pattern, s.min_length) for s in loaded.spec.secrets] == expected


@pytest.mark.parametrize(("name", "text", "path", "message"), INVALID, ids=[case[0] for case in INVALID])
def test_bad_secret_declarations_are_refused_naming_the_path(name: str, text: str, path: str, message: str,
                                                             tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + text + "\n"))
    assert caught.value.path == path, caught.value.message
    assert message in caught.value.message
    assert "hunter2hunter2" not in caught.value.message


def test_declaring_no_secrets_keeps_the_digest_an_older_shipmate_gave(tmp_path: Path) -> None:
    plain = load_spec(write_spec(tmp_path, MINIMAL_SPEC)).digest
    assert load_spec(write_spec(tmp_path, MINIMAL_SPEC + "secrets: []\n")).digest == plain
    assert load_spec(write_spec(tmp_path, MINIMAL_SPEC + "secrets: [API_KEY]\n")).digest != plain


@pytest.mark.parametrize(("value", "refused"), [
    ("sk-abcdefghijklmnop", None), ("abcdefghijklmnopqrs", "does not match"), ("sk-a", "shorter than"),
])
def test_a_value_is_checked_against_pattern_and_min_length_without_being_echoed(value: str,
                                                                                 refused: str | None) -> None:
    problem = SecretSpec(name="API_KEY", pattern="^sk-", min_length=8).problem_with(value)
    assert (problem is None) if refused is None else (refused in (problem or "") and value not in (problem or ""))
