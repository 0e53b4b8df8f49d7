"""The package installs and the CLI answers."""

import subprocess
import sys


def test_cli_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "instruments" in out.stdout


def test_dependency_direction():
    """engine and instruments know no storage or web; surveys knows no engine or web."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    forbidden = {
        "engine": r"(surveys|webapp|flask|sqlalchemy)",
        "instruments": r"(engine|surveys|webapp|flask|sqlalchemy)",
        "surveys": r"(engine|webapp|flask)",
    }
    offenders = []
    for pkg, names in forbidden.items():
        pattern = re.compile(rf"^\s*(from|import)\s+{names}\b", re.MULTILINE)
        for path in (root / pkg).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_package_data_ships_every_data_file():
    """Every non-Python file inside a package (templates, styles, translations, migrations,
    instrument YAML) is matched by pyproject.toml's package-data, so a built wheel runs."""
    import pathlib
    import tomllib

    root = pathlib.Path(__file__).resolve().parent.parent
    patterns = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]
    missing = []
    for package in ("instruments", "engine", "surveys", "webapp"):
        base = root / package
        shipped = {p for pattern in patterns.get(package, []) for p in base.glob(pattern)}
        for path in base.rglob("*"):
            if (
                path.is_dir()
                or path.suffix in (".py", ".pyc", ".md")
                or "__pycache__" in path.parts
            ):
                continue
            if path not in shipped:
                missing.append(str(path.relative_to(root)))
    assert missing == []


def test_cli_commands_load_when_asked_for():
    """Every listed command resolves under its own name, and `samen analyze` loads its own
    module only: not the web server's (werkzeug) nor the database commands'."""
    import importlib

    from webapp.cli import _COMMANDS, _name, cli

    for module, attr in _COMMANDS:
        assert getattr(importlib.import_module(module), attr).name == _name(attr)
    assert sorted(cli.list_commands(None)) == sorted({_name(attr) for _, attr in _COMMANDS})
    code = (
        "import sys; from webapp.cli import cli\n"
        "try:\n    cli(['analyze', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('werkzeug', 'sqlalchemy', 'webapp.cli.serve')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "--instrument" in done.stdout
