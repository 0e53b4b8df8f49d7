"""`samen instruments list|show|validate`: output, JSON shape and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import instruments.library
from instruments import list_builtin, load_builtin
from webapp.cli.instruments import instruments as group

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def test_library(tmp_path, monkeypatch) -> Path:
    """A built-in library holding only the test instrument (as ``testinst``)."""
    directory = tmp_path / "library"
    directory.mkdir()
    shutil.copy(VALID, directory / "testinst.yaml")
    monkeypatch.setattr(instruments.library, "library_dir", lambda: directory)
    return directory


# -- list ----------------------------------------------------------------------------------


def test_list_json_describes_every_builtin(runner):
    result = runner.invoke(group, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [entry["id"] for entry in listed] == list_builtin()
    for entry in listed:
        assert {"id", "version", "languages", "n_items", "scales"} <= set(entry)
        instrument = load_builtin(entry["id"])
        assert entry["version"] == instrument.version
        assert entry["languages"] == list(instrument.languages)
        assert entry["n_items"] == len(instrument.items)
        assert entry["scales"] == [
            {"id": scale.id, "n_items": len(scale.items)} for scale in instrument.scales
        ]


def test_list_json_exact_shape(runner, test_library):
    result = runner.invoke(group, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "id": "testinst",
            "version": "0.1",
            "languages": ["nl", "en"],
            "n_items": 5,
            "scales": [{"id": "alpha", "n_items": 3}, {"id": "facts", "n_items": 2}],
            "open_questions": [],
            "title": {"nl": "Testinstrument", "en": "Test instrument"},
            "sensitive": False,
        }
    ]


def test_list_text_is_an_aligned_table(runner):
    result = runner.invoke(group, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "VERSION", "LANGUAGES", "SCALES", "ITEMS", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == list_builtin()
    column = lines[0].index("VERSION")
    for line in lines[1:]:
        assert line[column - 2 : column] == "  "
        assert line[column] != " "


def test_list_text_titles_follow_lang(runner, test_library):
    english = runner.invoke(group, ["list", "--lang", "en"]).stdout
    dutch = runner.invoke(group, ["list"]).stdout
    assert "Test instrument" in english
    assert "Testinstrument" in dutch


def test_list_with_a_broken_builtin_exits_2(runner, test_library):
    (test_library / "zzz.yaml").write_text("id: zzz\n", encoding="utf-8")
    result = runner.invoke(group, ["list"])
    assert result.exit_code == 2
    assert "zzz.yaml: version: missing required key 'version'" in result.stderr
    assert "Traceback" not in result.output


# -- show ----------------------------------------------------------------------------------


def test_show_renders_every_item_in_the_chosen_language(runner, test_library):
    result = runner.invoke(group, ["show", "testinst", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Test instrument  (testinst, version 0.1)")
    assert "A small instrument to test the loader." in out
    assert "Sensitive: no" in out
    assert "5  Strongly agree" in out
    assert "Not applicable  (counts as missing)" in out
    assert "yesno (categorical, never scored)" in out
    assert "alpha: Alpha  (3 items, agree5)" in out
    assert "facts: Facts  (2 items, yesno, not scored)" in out
    lines = out.splitlines()
    (reverse_line,) = [line for line in lines if "t_alpha_2" in line]
    assert reverse_line.split()[:2] == ["R", "t_alpha_2"]
    assert reverse_line.endswith("I sometimes feel left out.")
    (plain_line,) = [line for line in lines if "t_alpha_1" in line]
    assert plain_line.split()[0] == "t_alpha_1"
    for item in ("t_alpha_3", "t_fact_1", "t_fact_2"):
        assert item in out
    assert "Ik voel" not in out


def test_show_defaults_to_the_first_language(runner):
    result = runner.invoke(group, ["show", str(VALID)])
    assert result.exit_code == 0, result.output
    assert "Ik voel me soms buitengesloten." in result.stdout
    assert "I sometimes feel left out." not in result.stdout


def test_show_marks_sensitive_instruments(runner, tmp_path):
    path = tmp_path / "sens.yaml"
    path.write_text(
        VALID.read_text(encoding="utf-8").replace("sensitive: false", "sensitive: true"),
        encoding="utf-8",
    )
    result = runner.invoke(group, ["show", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Sensitive: yes" in result.stdout


@pytest.mark.parametrize("name", list_builtin())
def test_show_every_builtin_in_both_languages(runner, name):
    for lang in ("nl", "en"):
        result = runner.invoke(group, ["show", name, "--lang", lang])
        assert result.exit_code == 0, result.output
        instrument = load_builtin(name)
        for item in instrument.items:
            assert item.id in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "no_such_thing"], "no_such_thing: not a built-in instrument"),
        (["show", "missing.yaml"], "missing.yaml: file not found"),
        (["show", str(VALID), "--lang", "de"], "no texts in 'de' (languages: nl, en)"),
    ],
    ids=["unknown id", "missing file", "unknown language"],
)
def test_show_errors_exit_2_with_one_line(runner, args, message):
    result = runner.invoke(group, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]


def test_show_invalid_file_lists_its_problems(runner):
    result = runner.invoke(group, ["show", str(DATA / "bad_syntax.yaml")])
    assert result.exit_code == 2
    assert "bad YAML syntax" in result.stderr
    assert "(line 4, column 10)" in result.stderr


# -- validate ------------------------------------------------------------------------------


def test_validate_ok(runner):
    result = runner.invoke(group, ["validate", str(VALID)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{VALID}: ok\n"


def test_validate_every_builtin(runner):
    files = [str(instruments.library.library_dir() / f"{name}.yaml") for name in list_builtin()]
    result = runner.invoke(group, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": ok\n") == len(files)


def test_validate_prints_every_problem_and_exits_2(runner, tmp_path):
    text = VALID.read_text(encoding="utf-8")
    text = text.replace("reverse: true", "reverse: yes please")
    text = text.replace("en: I feel at home.", "de: Ich fühle mich zuhause.")
    text = text.replace("  - id: facts", "  - id: alpha")
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(group, ["validate", str(path), str(VALID)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert f"{VALID}: ok" in lines
    expected = [
        f"{path}: scales[0].items[0].text.de: language 'de' is not one of",
        f"{path}: scales[0].items[0].text.en: missing text for language 'en'",
        f"{path}: scales[0].items[1].reverse: must be true or false",
        f"{path}: scales[1].id: duplicate scale id 'alpha' (also at scales[0].id)",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), start
    assert "4 problems in 2 files" in result.stderr


def test_validate_checks_item_ids_across_files(runner):
    result = runner.invoke(group, ["validate", str(VALID), str(DATA / "clash.yaml")])
    assert result.exit_code == 2
    assert f"{VALID}: ok" in result.stdout
    assert f"{DATA / 'clash.yaml'}: ok" in result.stdout
    assert (
        f"{DATA / 'clash.yaml'}: scales[0].items[1].id: item id 't_alpha_2' is also used by "
        f"instrument 'testinst' ({VALID})"
    ) in result.stdout


def test_validate_missing_file_and_bad_syntax(runner, tmp_path):
    missing = tmp_path / "gone.yaml"
    result = runner.invoke(group, ["validate", str(missing), str(DATA / "bad_syntax.yaml")])
    assert result.exit_code == 2
    assert f"{missing}: file not found" in result.stdout
    assert "bad_syntax.yaml: bad YAML syntax" in result.stdout
    assert "Traceback" not in result.output


def test_validate_needs_a_file(runner):
    result = runner.invoke(group, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_errors_through_the_real_command_have_no_traceback():
    out = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "instruments", "show", "no_such_thing"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("Error: no_such_thing: not a built-in instrument")
    assert "Traceback" not in out.stderr
