"""The one place shipmate runs git: `version: git`, the files a process release is made of, a clean tree,
commit times (reports), and releases (`shipmate version`/`release`: tags, the log, the release commit and tag).

Each function answers in shipmate's terms (a version, a file list, '' or what is wrong); subprocess and
its failures stay here. Bounded by a timeout: a hung git (a network filesystem, a lock) never hangs a deploy.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from shipmate.errors import InvalidInputError, PrerequisiteMissingError, SpecError

DESCRIBE_TIMEOUT_S = 10.0
FILES_TIMEOUT_S = 20.0
VERSION_HINT = "run it inside a git repository with at least one commit, or set version: / pass --version"


def describe_version(directory: Path, file: str, pattern: str) -> str:
    """`git describe --tags --always --dirty` in ``directory``; a SpecError on `version` when there is none
    (``pattern``: what a version may look like; ``file``: the spec, named in the error)."""
    try:
        done = subprocess.run(["git", "describe", "--tags", "--always", "--dirty"], cwd=directory,
                              capture_output=True, text=True, timeout=DESCRIBE_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise SpecError("version: git needs git, which is not installed", path="version", file=file,
                        hint=VERSION_HINT) from exc
    except subprocess.TimeoutExpired as exc:
        raise SpecError(f"git describe took longer than {DESCRIBE_TIMEOUT_S:g}s", path="version", file=file,
                        hint=VERSION_HINT) from exc
    out = done.stdout.strip()
    if done.returncode != 0 or re.match(pattern, out) is None:
        reason = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise SpecError(f"cannot get the version from git: {reason}", path="version", file=file, hint=VERSION_HINT)
    return out


def tracked_files(cwd: Path) -> list[str] | None:
    """The files git would track under ``cwd`` (committed or not, .gitignore'd left out); None when ``cwd`` is
    not in a git repository or git is missing or refuses (the caller walks the folder instead)."""
    try:
        done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
                              cwd=cwd, capture_output=True, timeout=FILES_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


# The inbox beside the spec (ops/common/inbox_folder.py) holds requests, not the release: a dropped task
# never makes the tree dirty. Its subfolders are named, not inbox/ itself, so a project's own inbox/ counts.
INBOX_EXCLUDES = tuple(f":(exclude)inbox/{name}" for name in ("tmp", "incoming", "active", "completed", "failed",
                                                               "rejected"))


def dirty_tree(cwd: Path) -> str:
    """'' when the git working tree under ``cwd`` is clean, else what is wrong (not a repository is wrong)."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=normal", "--", ".",
                               ":(exclude).shipmate", *INBOX_EXCLUDES], cwd=cwd, capture_output=True, text=True,
                              timeout=FILES_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"allow_dirty: false needs git to look at {cwd}: {exc}"
    if done.returncode != 0:
        return f"allow_dirty: false, but {cwd} is not in a git repository (cannot prove it clean)"
    lines = [line[3:] for line in done.stdout.splitlines() if line.strip()]
    if lines:
        shown = ", ".join(lines[:5]) + (f" (+{len(lines) - 5} more)" if len(lines) > 5 else "")
        return f"the working tree has uncommitted changes: {shown}"
    return ""


def commit_times(directory: Path, versions: list[str], *,
                 tag_format: str = "v{version}") -> tuple[dict[str, float | None], str | None]:
    """Commit time (unix seconds) of each `git describe` version (tag, tag-N-gSHA, or SHA) in ``directory``;
    a bare release version (1.3.0, as `version: git` records a clean release tag) is looked up as its tag;
    None for a version git does not know or one with -dirty (uncommitted: no commit time). The second value says
    why none can be measured (git missing, not a repository), else None. Two git calls, whatever the count."""
    try:
        log = subprocess.run(["git", "log", "--all", "--format=%H %ct"], cwd=directory, capture_output=True,
                             text=True, timeout=FILES_TIMEOUT_S, check=False)
        tags = subprocess.run(["git", "for-each-ref", "--format=%(refname:short) %(objectname) %(*objectname)",
                               "refs/tags"], cwd=directory, capture_output=True, text=True,
                              timeout=FILES_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {}, f"git could not be asked ({type(exc).__name__})"
    if log.returncode != 0:
        return {}, f"{directory} is not a git repository with commits"
    times = dict(line.split(" ", 1) for line in log.stdout.splitlines() if " " in line)
    tag_commit: dict[str, str] = {}
    for line in tags.stdout.splitlines():
        name, obj, *peeled = line.split(" ")
        tag_commit[name] = (peeled[0] if peeled and peeled[0] else obj)
    by_prefix: dict[str, list[str]] = {}
    for full in times:
        by_prefix.setdefault(full[:7], []).append(full)
    for version in versions:   # `version: git` with a release: section records v1.3.0 as 1.3.0
        tag = tag_format.replace("{version}", version)
        if version not in tag_commit and tag in tag_commit:
            tag_commit[version] = tag_commit[tag]
    return {version: _time_of(version, times, tag_commit, by_prefix) for version in versions}, None


def _time_of(version: str, times: dict[str, str], tag_commit: dict[str, str],
             by_prefix: dict[str, list[str]]) -> float | None:
    if version.endswith("-dirty"):
        return None
    sha = tag_commit.get(version)
    if sha is None:
        described = re.search(r"(?:^|-g)([0-9a-f]{7,40})$", version)
        if described is None:
            return None
        prefix = described.group(1)
        sha = next((full for full in by_prefix.get(prefix[:7], ()) if full.startswith(prefix)), None)
    return float(times[sha]) if sha is not None and sha in times else None


# --- releases (`shipmate version`, `shipmate release`): tags, the log since one, the release commit and tag ---

RELEASE_TIMEOUT_S = 60.0
NOT_A_REPO_HINT = "run it inside a git repository (git init, then commit), or pass -f with a spec inside one"


def _git(directory: Path, *args: str, timeout: float = RELEASE_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, timeout=timeout,
                              check=False, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError as exc:
        raise PrerequisiteMissingError("git is not installed", hint="install git") from exc
    except subprocess.TimeoutExpired as exc:
        raise PrerequisiteMissingError(f"git {args[0]} took longer than {timeout:g}s",
                                       hint="is the repository on a slow or locked filesystem?") from exc


def _first_line(done: subprocess.CompletedProcess[str]) -> str:
    return ((done.stderr or done.stdout).strip().splitlines() or [f"exit {done.returncode}"])[0]


def require_repository(directory: Path) -> str:
    """HEAD's full hash; an InvalidInputError when ``directory`` is not in a git repository or has no commit."""
    done = _git(directory, "rev-parse", "--is-inside-work-tree", "HEAD")   # one call: it runs every time
    lines = done.stdout.split()
    if not lines or lines[0] != "true":
        raise InvalidInputError(f"{directory} is not in a git repository", hint=NOT_A_REPO_HINT)
    if done.returncode != 0 or len(lines) < 2 or re.fullmatch(r"[0-9a-f]{40,64}", lines[1]) is None:
        raise InvalidInputError(f"the git repository at {directory} has no commit yet",
                                hint="commit something first (git commit)")
    return lines[1]


def reachable_tags(directory: Path) -> list[str]:
    """The tags HEAD contains (a release tag on another branch is not this branch's last release)."""
    done = _git(directory, "tag", "--merged", "HEAD")
    if done.returncode != 0:
        raise InvalidInputError(f"git cannot list the tags: {_first_line(done)}", hint=NOT_A_REPO_HINT)
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def tag_exists(directory: Path, name: str) -> bool:
    return _git(directory, "rev-parse", "-q", "--verify", f"refs/tags/{name}").returncode == 0


def commits_since(directory: Path, tag: str | None) -> list[tuple[str, str]]:
    """(full hash, whole message) of every commit after ``tag`` up to HEAD, newest first; all when None."""
    span = f"refs/tags/{tag}..HEAD" if tag else "HEAD"
    done = _git(directory, "log", "--format=%H%x00%B%x1e", span, "--")
    if done.returncode != 0:
        raise InvalidInputError(f"git cannot read the log since {tag or 'the start'}: {_first_line(done)}",
                                hint="is the tag a valid ref? (git show " + (tag or "HEAD") + ")")
    out: list[tuple[str, str]] = []
    for record in done.stdout.split("\x1e"):
        sha, sep, message = record.lstrip("\n").partition("\x00")
        if sep:
            out.append((sha, message))
    return out


def changed_paths(directory: Path, paths: list[str]) -> list[str]:
    """Those of ``paths`` with uncommitted changes (staged or not); a release commit must not sweep them in."""
    done = _git(directory, "status", "--porcelain", "--untracked-files=no", "--", *paths)
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


def commit_paths(directory: Path, paths: list[str], message: str) -> str:
    """Commit exactly ``paths`` (other staged changes stay staged, out of this commit); the new HEAD's hash."""
    added = _git(directory, "add", "--", *paths)
    if added.returncode == 0:
        done = _git(directory, "commit", "-q", "-m", message, "--", *paths)
        if done.returncode == 0:
            return _git(directory, "rev-parse", "HEAD").stdout.strip()
        added = done
    _git(directory, "reset", "-q", "--", *paths)
    raise PrerequisiteMissingError(f"git commit failed: {_first_line(added)}",
                                   hint="a commit hook or the git configuration refused it; nothing was released")


def create_tag(directory: Path, name: str, message: str) -> None:
    done = _git(directory, "tag", "-a", "-m", message, name)
    if done.returncode != 0:
        raise PrerequisiteMissingError(f"git tag {name} failed: {_first_line(done)}",
                                       hint="nothing was released: the release commit was undone")


def undo_commit(directory: Path, sha: str, paths: list[str]) -> None:
    """Take back our release commit (only if it is still HEAD), leaving the working tree to the caller."""
    head = _git(directory, "rev-parse", "HEAD").stdout.strip()
    if head == sha:
        _git(directory, "reset", "-q", "--soft", "HEAD~1")
        _git(directory, "reset", "-q", "--", *paths)
