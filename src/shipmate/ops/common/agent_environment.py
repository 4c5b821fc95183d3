"""Is this shell an agent's? The variables coding agents set on the commands they run, and SHIPMATE_ACTOR.

Used to refuse `approve`/`reject` on the host CLI: an agent never decides. Detection is a courtesy an
honest agent cannot avoid, not a barrier: a process that unsets these variables looks like a person
(README: "What the approval gate can and cannot stop").
"""

from __future__ import annotations

from collections.abc import Mapping

# Variable -> the tool that sets it on every shell command it runs (sources: the tools' docs and source,
# as collected by @vercel/detect-agent, am-i-vibing and aws-cdk-cli's detect-agent).
AGENT_VARIABLES: dict[str, str] = {
    "AI_AGENT": "an AI agent (the AI_AGENT convention)",
    "AGENT": "an AI agent (Amp, Goose, Crush, opencode set AGENT)",
    "CLAUDECODE": "Claude Code",
    "CLAUDE_CODE_ENTRYPOINT": "Claude Code",
    "CURSOR_AGENT": "Cursor's agent",
    "GEMINI_CLI": "Gemini CLI",
    "CODEX_THREAD_ID": "OpenAI Codex",
    "CODEX_SANDBOX": "OpenAI Codex",
    "CODEX_SANDBOX_NETWORK_DISABLED": "OpenAI Codex",
    "OPENCODE": "opencode",
    "COPILOT_CLI": "GitHub Copilot CLI",
    "COPILOT_AGENT_SESSION_ID": "GitHub Copilot's coding agent",
    "AUGMENT_AGENT": "Augment",
    "QWEN_CODE": "Qwen Code",
    "GOOSE_TERMINAL": "Goose",
}
AGENT_ACTOR_PREFIXES = ("agent:", "mcp:")


def agent_signal(env: Mapping[str, str]) -> str | None:
    """Why this environment is an agent's (one line), or None when nothing says so."""
    actor = env.get("SHIPMATE_ACTOR", "").strip()
    if actor.lower().startswith(AGENT_ACTOR_PREFIXES):
        return f"SHIPMATE_ACTOR={actor[:60]} declares an agent"
    for name, tool in AGENT_VARIABLES.items():
        if env.get(name, "").strip():
            return f"{name} is set: this shell runs inside {tool}"
    return None
