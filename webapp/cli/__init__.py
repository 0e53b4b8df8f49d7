"""The ``samen`` command line.

Each command group lives in its own module and imports heavy libraries inside its functions,
so ``samen --help`` answers in a fraction of a second. Errors exit with status 2 and one line.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["cli", "main"]

# (module, attribute) of every command; a module is imported when its command is run
# (or listed by `samen --help`).
_COMMANDS = [
    ("webapp.cli.instruments", "instruments"),
    ("webapp.cli.analyze", "analyze"),
    ("webapp.cli.compare", "compare"),
    ("webapp.cli.serve", "serve"),
    ("webapp.cli.serve", "demo"),
    ("webapp.cli.users", "user"),
    ("webapp.cli.admin", "init"),
    ("webapp.cli.admin", "org"),
    ("webapp.cli.admin", "survey"),
    ("webapp.cli.admin", "wave"),
    ("webapp.cli.admin", "invite"),
    ("webapp.cli.admin", "responses"),
    ("webapp.cli.admin", "purge"),
    ("webapp.cli.programme", "programme"),
    ("webapp.cli.leader", "leader"),
    ("webapp.cli.plan", "plan"),
    ("webapp.cli.research", "export"),
    ("webapp.cli.research", "audit"),
    ("webapp.cli.export_pin", "export_pin"),
    ("webapp.cli.privacy", "privacy"),
]


class _LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for (click's
    "lazily loading subcommands" pattern): `samen analyze` imports the analyze module
    alone, not the web server's (werkzeug) nor the database commands' (about 0.2 s)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(_name(attr) for _, attr in _COMMANDS)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module, attr in _COMMANDS:
            if _name(attr) == cmd_name and cmd_name not in self.commands:
                self.add_command(getattr(importlib.import_module(module), attr))
        return super().get_command(ctx, cmd_name)


def _name(attr: str) -> str:
    """The command name of a command object named `attr` (click's own rule)."""
    return attr.replace("_", "-")


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="samen")
def cli() -> None:
    """Samen: anonymous inclusion and social-safety surveys with R-grade psychometrics."""


def main() -> None:
    cli(prog_name="samen")
