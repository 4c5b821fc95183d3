"""A throwaway project with a `files` target, driven through the installed `shipmate` CLI as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHIPMATE = str(Path(sys.executable).parent / "shipmate")

TEMPLATE = "---\nname: {{ name }}\ndescription: {{ description }}\ntools: {{ tools | join(', ') }}\n---\n{{ prompt }}\n"
SCHEMA = {"type": "object", "required": ["name", "description"],
          "properties": {"description": {"type": "string", "minLength": 5}}}


@dataclass
class FilesProject:
    root: Path

    @property
    def dest(self) -> Path:
        return self.root / ".claude" / "agents"

    def spec(self, version: str = "1.0.0", *, extra: str = "", destination: str = ".claude/agents/") -> None:
        (self.root / "shipmate.yaml").write_text(
            f'service: agents\nversion: "{version}"\ntarget:\n  kind: files\n  source: templates/agent.md.j2\n'
            f"  data: agents/\n  destination: {destination}\n  schema: schema.json\n{extra}")
        (self.root / "schema.json").write_text(json.dumps(SCHEMA))
        tpl = self.root / "templates" / "agent.md.j2"
        if not tpl.exists():
            tpl.parent.mkdir(parents=True, exist_ok=True)
            tpl.write_text(TEMPLATE)

    def agent(self, name: str, description: str = "Does one thing well.", prompt: str = "Work.") -> None:
        (self.root / "agents").mkdir(exist_ok=True)
        (self.root / "agents" / f"{name}.yaml").write_text(
            f"name: {name}\ndescription: {description}\ntools: [Read]\nprompt: {prompt}\n")

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHIPMATE, *args], cwd=self.root, capture_output=True, text=True, timeout=120,
                              env={**os.environ, **(env or {})})

    def json(self, *args: str, code: int = 0) -> dict[str, Any]:
        done = self.run(*args, "--json")
        assert done.returncode == code, (done.stdout, done.stderr)
        found: dict[str, Any] = json.loads(done.stdout or done.stderr)
        return found

    def folder(self) -> dict[str, bytes]:
        return {p.relative_to(self.dest).as_posix(): p.read_bytes() for p in self.dest.rglob("*") if p.is_file()} \
            if self.dest.exists() else {}
