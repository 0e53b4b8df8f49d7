"""Every `samen compare` command takes its input options from one place
(webapp/cli/compare_input.py), so they cannot drift apart."""

from __future__ import annotations

import click
import pytest

from webapp.cli.compare import compare
from webapp.cli.compare_input import input_options


def _shared() -> list[click.Parameter]:
    @input_options
    def command(**_: object) -> None:
        """Only the shared options."""

    return click.command()(command).params


def _described(param: click.Parameter) -> tuple:
    return (
        param.name,
        tuple(param.opts),
        getattr(param, "help", None),
        param.default if not callable(param.default) else "callable",
        repr(param.type.to_info_dict()),
    )


@pytest.mark.parametrize("name", ["groups", "waves", "programme", "drivers"])
def test_each_command_has_the_shared_input_options_unchanged(name):
    command = compare.commands[name]
    own = {param.name: _described(param) for param in command.params}
    shared = _shared()
    assert len(shared) == 9
    for param in shared:
        assert own.get(param.name) == _described(param), (name, param.name)
    # and the data argument comes first, as in `samen analyze`
    assert command.params[0].name == "data"
