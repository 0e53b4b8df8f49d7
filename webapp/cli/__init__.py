"""The ``samen`` command line.

Each command group lives in its own module and imports heavy libraries inside its functions,
so ``samen --help`` answers in a fraction of a second. Errors exit with status 2 and one line.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["cli", "main"]

# (module, attribute) of every command; modules are imported when the CLI is built.
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
    ("webapp.cli.privacy", "privacy"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="samen")
def cli() -> None:
    """Samen: anonymous inclusion and social-safety surveys with R-grade psychometrics."""


for _module, _attr in _COMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attr))


def main() -> None:
    cli(prog_name="samen")
