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
