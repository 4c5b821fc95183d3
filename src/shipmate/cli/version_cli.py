"""`shipmate version [--next | --bump LEVEL [--dry-run]]`, `shipmate version check` and `shipmate release`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command

version_app = typer.Typer(help="The project's version from git tags and conventional commits; bump it, check it.",
                          invoke_without_command=True)

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file with a release: section "
                                          "(default ./shipmate.yaml; without one, the defaults).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print what would change (a diff); write nothing.")]


@version_app.callback()
def version(ctx: typer.Context, file: File = None,
            show_next: Annotated[bool, typer.Option("--next", help="Print the next version the commits since "
                                                    "the last tag ask for.")] = False,
            bump: Annotated[str | None, typer.Option("--bump", metavar="auto|major|minor|patch",
                                                     help="Write the new version into release.version_files, "
                                                     "prepend the changelog, commit and tag.")] = None,
            dry_run: DryRun = False, json_out: Json = False) -> None:
    """The current version (latest release tag, else VERSION); --next, or --bump to release one."""
    if ctx.invoked_subcommand is not None:
        return
    from shipmate import ops

    if dry_run and bump is None:
        from shipmate.errors import InvalidInputError

        def refuse(p: object) -> dict[str, Any]:
            raise InvalidInputError("--dry-run goes with --bump: `version` and `--next` write nothing anyway",
                                    hint="shipmate version --bump auto --dry-run")
        run_command("version", json_out, refuse)
    elif bump is not None:
        run_command("version bump", json_out, lambda p: ops.version_bump(file, level=bump, dry_run=dry_run),
                    _render_bump)
    elif show_next:
        run_command("version", json_out, lambda p: ops.version_show(file), _render_next)
    else:
        run_command("version", json_out, lambda p: ops.version_show(file), _render_current)


@version_app.command("check")
def version_check(file: File = None, json_out: Json = False) -> None:
    """Every release.version_files entry and the latest tag agree (exit 2 listing the ones that do not)."""
    from shipmate import ops

    run_command("version check", json_out, lambda p: ops.version_check(file), _render_check)


def release(file: File = None,
            dry_run: Annotated[bool, typer.Option("--dry-run", help="List every commit since the tag with its "
                                                  "classification, and the steps; change nothing.")] = False,
            steps_only: Annotated[bool, typer.Option("--steps-only", help="Run release.steps again for the "
                                                     "release at HEAD (after a step failed); no bump.")] = False,
            json_out: Json = False) -> None:
    """Check the version files, bump from the commits since the tag (commit + tag), run release.steps."""
    from shipmate import ops

    run_command("release", json_out, lambda p: ops.release(file, dry_run=dry_run, steps_only=steps_only),
                _render_release)


def _render_current(r: dict[str, Any]) -> None:
    origin = f"tag {r['tag']}" if r["tag"] else "VERSION file, no release tag yet"
    print(f"{r['version']}  ({origin})")


def _render_next(r: dict[str, Any]) -> None:
    if r["next_version"] is None:
        print(r["message"])
    else:
        print(r["next_version"])
        print(f"  {r['message']}", file=sys.stderr)
    if r["unparsed"]:
        print(f"  warning: {r['unparsed']} commit(s) could not be parsed as conventional commits "
              "(see `shipmate release --dry-run`)", file=sys.stderr)


def _render_bump(r: dict[str, Any]) -> None:
    if r.get("nothing_to_release"):
        print(r["message"])
        return
    if r["dry_run"]:
        sys.stdout.write(r["diff"])
        print(f"would release {r['previous']} -> {r['version']} ({r['bump']}), commit and tag {r['tag']}; "
              "nothing written")
        return
    print(f"released {r['previous']} -> {r['version']} ({r['bump']}): {len(r['files'])} file(s), commit "
          f"{r['commit'][:7]}, tag {r['tag']}")


def _render_check(r: dict[str, Any]) -> None:
    against = r["tag"] or "VERSION"
    print(f"{r['version']} ({against}): {len(r['files'])} version file(s) agree")
    for f in r["files"]:
        print(f"  {f['path']:<32} {f['kind']:<13} {f['version']}")


def _commit_line(c: dict[str, Any]) -> str:
    if c["kind"] == "unparsed":
        return f"  !! {c['sha']}  UNPARSED  {c['subject']}"
    if c["kind"] == "merge":
        return f"     {c['sha']}  merge     {c['subject']}"
    types = ", ".join(sorted({ch["type"] + ("!" if ch["breaking"] else "") for ch in c["changes"]}))
    more = f" (+{len(c['changes']) - 1} in the body)" if len(c["changes"]) > 1 else ""
    return f"     {c['sha']}  {c['bump']:<8}  {c['subject']}  [{types}]{more}"


def _render_release(r: dict[str, Any]) -> None:
    if r.get("nothing_to_release"):
        for c in r["commits"]:
            print(_commit_line(c))
        print(r["message"])
        return
    if r.get("dry_run"):
        print(f"would release {r['version']} -> {r['next_version']} ({r['bump']}) as {r['tag']}, from "
              f"{len(r['commits'])} commit(s):")
        for c in r["commits"]:
            print(_commit_line(c))
        if r["unparsed"]:
            print(f"warning: {len(r['unparsed'])} commit(s) could not be parsed and count for nothing: "
                  + ", ".join(r["unparsed"]))
        print("steps: " + (", ".join(r["steps"]) or "none") + "; nothing changed")
        return
    print(f"released {r['version']} ({r['tag']}, commit {r['commit'][:7]}) in {r['duration_ms']} ms")
    for s in r["steps"]:
        print(f"  ok  {s['name']:<16} {s['duration_ms']} ms")
