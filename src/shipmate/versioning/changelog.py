"""A Keep-a-Changelog section for one release (keepachangelog.com 1.1.0), prepended to the existing file."""

from __future__ import annotations

from shipmate.versioning.conventional import Change, ClassifiedCommit

HEADER = ("# Changelog\n\nAll notable changes to this project are documented in this file.\n"
          "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and this project "
          "adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n")

# Keep a Changelog's groups in its order; the types a group collects. Breaking changes come first, named so.
GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Added", frozenset({"feat"})),
    ("Changed", frozenset({"perf", "refactor"})),
    ("Removed", frozenset({"remove"})),
    ("Fixed", frozenset({"fix"})),
    ("Security", frozenset({"security"})),
)


def _entry(change: Change, short_sha: str) -> str:
    scope = f"**{change.scope}:** " if change.scope else ""
    return f"- {scope}{change.description} ({short_sha})"


def section(version: str, date: str, commits: list[ClassifiedCommit]) -> str:
    """`## [1.3.0] - 2026-12-06` and its groups; changes of types no group collects (docs, chore) are left out."""
    groups: dict[str, list[str]] = {"BREAKING CHANGES": []}
    groups.update({name: [] for name, _ in GROUPS})
    for commit in commits:
        for change in commit.changes:
            if change.breaking:
                groups["BREAKING CHANGES"].append(_entry(change, commit.short_sha))
                continue
            for name, types in GROUPS:
                if change.type in types:
                    groups[name].append(_entry(change, commit.short_sha))
    out = [f"## [{version}] - {date}\n"]
    for name, entries in groups.items():
        if entries:
            out.append(f"\n### {name}\n\n" + "\n".join(entries) + "\n")
    return "".join(out) + "\n"


def prepend(existing: str | None, new_section: str) -> str:
    """The section goes above the newest release (below the title and an `## [Unreleased]` section)."""
    if not existing:
        return HEADER + new_section
    lines = existing.splitlines(keepends=True)
    in_unreleased = False
    for index, line in enumerate(lines):
        if not line.startswith("## "):
            continue
        if line.lower().startswith("## [unreleased]"):
            in_unreleased = True
            continue
        return "".join(lines[:index]) + new_section + "".join(lines[index:])
    body = existing if existing.endswith("\n") else existing + "\n"
    return body + ("" if in_unreleased or body.endswith("\n\n") else "\n") + new_section
