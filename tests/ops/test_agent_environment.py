"""Which environments are an agent's: SHIPMATE_ACTOR's declaration and the variables coding agents set (pure)."""

from __future__ import annotations

import pytest

from shipmate.ops.common.agent_environment import AGENT_VARIABLES, agent_signal


@pytest.mark.parametrize("name", sorted(AGENT_VARIABLES))
def test_each_known_agent_variable_names_its_tool(name: str) -> None:
    why = agent_signal({name: "1", "SHIPMATE_ACTOR": "user:ann"})
    assert why is not None and name in why and AGENT_VARIABLES[name] in why


@pytest.mark.parametrize("actor", ["agent:bot", "AGENT:ci", "mcp:claude", "  agent:x  "])
def test_an_actor_that_declares_an_agent_is_one(actor: str) -> None:
    assert "declares an agent" in str(agent_signal({"SHIPMATE_ACTOR": actor}))


@pytest.mark.parametrize("env", [{}, {"SHIPMATE_ACTOR": "user:ann"}, {"SHIPMATE_ACTOR": "ci:deploy"},
                                 {"CLAUDECODE": ""}, {"TERM_PROGRAM": "vscode", "SSH_AGENT_PID": "12"}])
def test_a_person_s_shell_is_not_an_agent(env: dict[str, str]) -> None:
    assert agent_signal(env) is None
