"""git_repo.commit_times on a real repository: a bare release version finds its tag's commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from shipmate import git_repo

COMMIT_TIME = "1790000000"


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_DATE": f"{COMMIT_TIME} +0000", "GIT_AUTHOR_DATE": f"{COMMIT_TIME} +0000"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=30)


def test_bare_release_version_is_looked_up_by_its_tag(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text("print('hi')\n")
    _git(tmp_path, "add", "app.py")
    _git(tmp_path, "commit", "-q", "-m", "feat: first")
    _git(tmp_path, "tag", "-a", "release-1.3.0", "-m", "1.3.0")
    _git(tmp_path, "tag", "-a", "v2.0.0", "-m", "2.0.0")

    times, why_not = git_repo.commit_times(tmp_path, ["1.3.0", "2.0.0", "9.9.9", "1.3.0-dirty"],
                                           tag_format="release-{version}")

    assert why_not is None
    assert times == {"1.3.0": float(COMMIT_TIME), "2.0.0": None, "9.9.9": None, "1.3.0-dirty": None}
    default, _ = git_repo.commit_times(tmp_path, ["2.0.0"])
    assert default == {"2.0.0": float(COMMIT_TIME)}
