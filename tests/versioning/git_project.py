"""A throwaway git repository driven with the real `git` and the installed `shipmate`, for the version and
release tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHIPMATE = str(Path(sys.executable).parent / "shipmate")

SPEC = """\
service: demo
version: "1.0.0"
port: 8080
target: {kind: process, command: [python3, app.py]}
"""


@dataclass
class GitProject:
    root: Path
    env: dict[str, str]

    @classmethod
    def create(cls, tmp_path: Path, *, release: str | None = None) -> GitProject:
        root = tmp_path / "project"
        root.mkdir()
        (tmp_path / "gitconfig").write_text("[user]\n\tname = Tester\n\temail = t@example.invalid\n"
                                            "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
                                            "[init]\n\tdefaultBranch = main\n")
        env = {**os.environ, "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CEILING_DIRECTORIES": str(tmp_path), "SHIPMATE_ACTOR": "user:tester"}
        env.pop("SHIPMATE_HOME", None)
        project = cls(root, env)
        if release is not None:
            project.write("shipmate.yaml", SPEC + release)
        return project

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=60, check=True)
        return done.stdout.strip()

    def init(self) -> None:
        self.git("init", "-q")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "chore: start")

    def commit(self, message: str, path: str | None = None) -> str:
        name = path or f"file{len(self.git('log', '--oneline').splitlines())}.txt"
        self.write(name, message)
        self.git("add", "--", name)
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str) -> None:
        self.git("tag", "-a", name, "-m", name)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHIPMATE, *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=120, check=False)

    def json(self, *args: str, code: int = 0) -> dict[str, Any]:
        done = self.run(*args, "--json")
        assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        out: dict[str, Any] = json.loads(done.stdout)
        return out

    def snapshot(self) -> dict[str, Any]:
        """Everything a failed command must leave as it was: HEAD, tags, index, working tree bytes."""
        files = {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*"))
                 if p.is_file() and ".git" not in p.relative_to(self.root).parts
                 and ".shipmate" not in p.relative_to(self.root).parts}
        return {"head": self.git("rev-parse", "HEAD"), "tags": self.git("tag"),
                "status": self.git("status", "--porcelain"), "files": files}
