"""${PORT} and ${SHIPMATE_*} in argv: what is filled in, what is refused, what is left alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shipmate.spec.argv_template import ARGV_NAMES, argv_problem, bare_references, fill_argv

VALUES = {"PORT": "8123", "SHIPMATE_SERVICE": "web", "SHIPMATE_VERSION": "1.2", "SHIPMATE_ENVIRONMENT": "prod",
          "SHIPMATE_DEPLOYMENT_ID": "dep_1"}


def test_every_allowed_name_is_filled_in_and_nothing_else_changes() -> None:
    argv = ["uvicorn", "app:app", "--port", "${PORT}", "--tag=${SHIPMATE_SERVICE}@${SHIPMATE_VERSION}",
            "${SHIPMATE_ENVIRONMENT}/${SHIPMATE_DEPLOYMENT_ID}", "a b;c|d"]
    assert fill_argv(argv, VALUES) == ("uvicorn", "app:app", "--port", "8123", "--tag=web@1.2", "prod/dep_1",
                                       "a b;c|d")
    assert all(argv_problem(arg) is None for arg in argv)


def test_double_dollar_is_a_literal_dollar_and_bare_port_is_left_as_is() -> None:
    assert fill_argv(["$${PORT}", "$PORT", "cost$$5", "$"], VALUES) == ("${PORT}", "$PORT", "cost$5", "$")
    assert bare_references(["--port", "$PORT", "$${PORT}", "$$PORT", "x$SHIPMATE_VERSION"]) == [
        "$PORT", "$SHIPMATE_VERSION"]


def test_unknown_or_unclosed_variables_are_problems() -> None:
    assert argv_problem("${HOME}") == "unknown variable ${HOME}"
    assert argv_problem("${}") == "unknown variable ${}"
    assert argv_problem("--port=${PORT") == "has a '${' without its closing '}'"
    assert argv_problem("$${HOME}") is None


@settings(deadline=None, database=None)
@given(st.lists(st.text(), max_size=5))
def test_an_argv_without_problems_fills_in_without_any_dollar_brace_left(argv: list[str]) -> None:
    if all(argv_problem(arg) is None for arg in argv):
        filled = fill_argv(argv, VALUES)
        assert len(filled) == len(argv)
        for before, after in zip(argv, filled, strict=True):
            if "$" not in before:
                assert after == before
    assert set(VALUES) == set(ARGV_NAMES)
