"""`shipmate --help` lists its commands in groups, by what a user came to do, not in registration order.

Each command names its group with Typer's ``rich_help_panel``; the plain (Rich-free, fast) help prints
the groups in this order.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

DEPLOY = "Deploy"
OBSERVE = "Observe"
SAFETY = "Safety"
DATA = "Data"
AGENTS = "Agents"
PANELS = (DEPLOY, OBSERVE, SAFETY, DATA, AGENTS)
# Within a panel: the order a user meets them (commands not named here follow, in registration order).
ORDER = ("init", "validate", "deploy", "promote", "rollback", "down", "import",
         "status", "check", "logs", "history", "events", "explain", "serve",
         "approvals", "approve", "reject", "lock", "recover",
         "secrets", "backup",
         "mcp", "guide", "probe", "schema")


class GroupedHelp(TyperGroup):
    """A command group whose help shows one section per panel."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        names = sorted(self.list_commands(ctx), key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
        listed = [(name, self.get_command(ctx, name)) for name in names]
        commands = [(name, cmd) for name, cmd in listed if cmd is not None and not cmd.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        by_panel: dict[str, list[tuple[str, str]]] = {}
        for name, cmd in commands:
            panel = getattr(cmd, "rich_help_panel", None) or "Other"
            by_panel.setdefault(panel, []).append((name, cmd.get_short_help_str(limit)))
        for panel in [*PANELS, *(p for p in by_panel if p not in PANELS)]:
            if panel in by_panel:
                with formatter.section(f"{panel} commands"):
                    formatter.write_dl(by_panel[panel])
