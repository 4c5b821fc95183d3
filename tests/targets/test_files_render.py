"""Templates render in jinja2's sandbox, one output per data file; every failure names its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipmate.errors import InvalidInputError
from shipmate.targets.files_render import inside, plain_files, rendered


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_each_data_file_renders_its_own_template_into_one_output(tmp_path: Path) -> None:
    _write(tmp_path, {
        "t/agent.md.j2": "---\nname: {{ name }}\ntools: {{ tools | join(', ') }}\n---\n{{ prompt }}\n",
        "t/plain.txt.j2": "{{ name }} is plain\n",
        "d/reviewer.yaml": "template: agent.md.j2\nname: reviewer\ntools: [Read, Grep]\nprompt: Review.\n",
        "d/team/ops.json": '{"template": "plain.txt.j2", "name": "ops"}',
        "d/named.yml": "template: plain.txt.j2\nname: n\noutput: elsewhere/n.txt\n",
        "d/README": "not data: ignored",
    })
    out = rendered(tmp_path / "t", tmp_path / "d")
    assert out == {"reviewer.md": b"---\nname: reviewer\ntools: Read, Grep\n---\nReview.\n",
                   "team/ops.txt": b"ops is plain\n", "elsewhere/n.txt": b"n is plain\n"}


def test_one_template_serves_every_data_file(tmp_path: Path) -> None:
    _write(tmp_path, {"agent.md.j2": "# {{ name }}\n", "d/a.yaml": "name: a\n", "d/b.json": '{"name": "b"}'})
    assert rendered(tmp_path / "agent.md.j2", tmp_path / "d") == {"a.md": b"# a\n", "b.md": b"# b\n"}


def test_plain_files_are_taken_as_they_are_without_hidden_ones(tmp_path: Path) -> None:
    _write(tmp_path, {"src/a.md": "A", "src/x/b.json": "{}", "src/.hidden": "no", "src/.git/config": "no"})
    assert plain_files(tmp_path / "src") == {"a.md": b"A", "x/b.json": b"{}"}


@pytest.mark.parametrize("template, where, what", [
    ("line one\n{{ name }\n", ":2", "does not parse"),
    ("ok\nok\n{{ missing_key }}\n", ":3", "'missing_key' is undefined"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}\n", ":1", "unsafe"),
])
def test_a_template_that_fails_names_its_file_and_line(tmp_path: Path, template: str, where: str,
                                                        what: str) -> None:
    _write(tmp_path, {"agent.md.j2": template, "d/a.yaml": "name: a\n"})
    with pytest.raises(InvalidInputError) as err:
        rendered(tmp_path / "agent.md.j2", tmp_path / "d")
    assert f"{tmp_path / 'agent.md.j2'}{where}:" in err.value.message
    assert what in err.value.message and err.value.exit_code == 2


@pytest.mark.parametrize("name, text, where", [
    ("a.yaml", "name: a\ntools: [Read\nmore: 1\n", "a.yaml:"),
    ("a.json", '{\n  "name": "a",\n  oops\n}', "a.json:3:"),
    ("a.yaml", "- just\n- a list\n", "must hold a mapping"),
])
def test_a_data_file_that_does_not_parse_names_its_file_and_line(tmp_path: Path, name: str, text: str,
                                                                 where: str) -> None:
    _write(tmp_path, {"agent.md.j2": "{{ name }}", f"d/{name}": text})
    with pytest.raises(InvalidInputError) as err:
        rendered(tmp_path / "agent.md.j2", tmp_path / "d")
    assert where in err.value.message and "\n" not in err.value.message


def test_a_destination_that_resolves_outside_the_project_is_refused(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    outside.mkdir()
    (project / "agents").symlink_to(outside)
    with pytest.raises(InvalidInputError) as err:
        inside(project, "agents/", "destination")
    assert err.value.message.startswith("target.destination:") and "outside the project" in err.value.message
    assert inside(project, ".claude/agents", "destination") == project.resolve() / ".claude/agents"
