"""approval.deciders: tokens through the real CLI: a person's token, shown once and stored hashed, typed at a
terminal prompt (a real pseudo-terminal here); no token, a wrong one, a pipe for stdin or an agent's shell is
refused with exit 6 and audited, and nothing changes."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from tests.e2e.cli_project import SHIPMATE, Project

PROMPT = "decider token: "
TOKENS = ("environments:\n  production:\n    protected: true\n    approval: {mode: required, deciders: tokens}\n")


def _run(project: Project, *args: str, typed: str | None = None, env: dict[str, str] | None = None
         ) -> tuple[int, dict[str, Any]]:
    """`shipmate ARGS --json`, stdin a pseudo-terminal where ``typed`` is typed (else /dev/null, no terminal).

    A new session has no controlling terminal, so getpass reads the pty on stdin, never the runner's own."""
    master, slave = os.openpty() if typed is not None else (None, None)
    proc = subprocess.Popen([SHIPMATE, *args, "--json"], cwd=project.root, start_new_session=True,
                            env={**project.env, **(env or {})},
                            stdin=slave if slave is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    try:
        if master is not None and slave is not None:
            os.close(slave)
            assert proc.stderr is not None
            # getpass flushes what was typed before it asked (TCSAFLUSH): type after the prompt shows.
            while not seen.endswith(PROMPT) and proc.poll() is None:
                seen += proc.stderr.read(1)
            os.write(master, (str(typed) + "\n").encode())
        out, err = proc.communicate(timeout=120)
    finally:
        if master is not None:
            os.close(master)
    assert out.count("\n") == 1, f"{out}\n{seen}{err}"
    return proc.returncode, json.loads(out)


def test_a_person_decides_with_their_token_typed_at_a_terminal_and_nothing_else_will_do(project: Project) -> None:
    project.spec("1.0.0", extra=TOKENS)
    code, agent = _run(project, "approvals", "token", "add", "alice", env={"CLAUDECODE": "1"})
    assert code == 6 and "an agent never manages deciders" in agent["error"]["message"]
    code, added = _run(project, "approvals", "token", "add", "alice")   # the first one needs no other token
    token = added["token"]
    assert code == 0 and token.startswith("smd_") and added["decider"]["name"] == "alice"
    code, second = _run(project, "approvals", "token", "add", "mallory")   # now only a decider adds one
    assert code == 6 and "existing decider's token" in second["error"]["message"]
    code, bob = _run(project, "approvals", "token", "add", "bob", typed=token)
    assert code == 0 and bob["decider"]["created_by"].endswith("(token:alice)")
    listed = project.json("approvals", "token", "list")
    assert [d["name"] for d in listed["deciders"]] == ["alice", "bob"]
    assert token not in json.dumps(listed) and bob["token"] not in json.dumps(listed)
    assert token not in (project.root / ".shipmate" / "state.db").read_bytes().decode("latin-1")

    approval_id = project.json("deploy", "--no-wait", expect=6,
                               env={"SHIPMATE_ACTOR": "agent:ci"})["error"]["details"]["approval_id"]
    [row] = project.json("approvals")["approvals"]
    assert "code" not in row   # with tokens, codes go out only through `notify:`
    for typed, why in ((None, "none was typed"), ("smd_wrong", "unknown or revoked")):
        code, refused = _run(project, "approve", approval_id, typed=typed)
        assert code == 6 and refused["error"]["code"] == "approval_refused" and why in refused["error"]["message"]
    code, approved = _run(project, "approve", approval_id, typed=bob["token"])
    assert code == 0 and approved["approval"]["decided_by"] == "token:bob"
    kinds = [e["event_type"] for e in project.json("events", "--limit", "1000")["events"]]
    assert kinds.count("approval.refused") == 4 and "approval.decider_added" in kinds

    assert project.json("deploy", "--no-wait", env={"SHIPMATE_ACTOR": "agent:ci"})["state"] == "succeeded"

    code, revoked = _run(project, "approvals", "token", "revoke", "bob", typed=token)
    assert code == 0 and (revoked["revoked"], revoked["by"]) == ("bob", "token:alice")
    project.spec("1.0.1", extra=TOKENS)
    next_id = project.json("deploy", "--no-wait", expect=6,
                           env={"SHIPMATE_ACTOR": "agent:ci"})["error"]["details"]["approval_id"]
    code, refused = _run(project, "approve", next_id, typed=bob["token"])
    assert code == 6 and "unknown or revoked" in refused["error"]["message"] and project.serves("1.0.0")
