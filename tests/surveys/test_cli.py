"""The administration commands, end to end through click."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from surveys.db import Database
from surveys.invitations import LINK_FILE_WARNING, issue_counts
from surveys.responses import count_responses, submit_response
from webapp.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
UNITS = "unit_id;parent_id;name\nHOSP;;Hospital\nW1;HOSP;Ward 1\n"


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_init_creates_instance_and_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    assert (tmp_path / "instance" / "samen.db").is_file()
    again = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert again.exit_code == 0


def test_commands_before_init_fail_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path / "none"))
    result = CliRunner().invoke(cli, ["survey", "list"])
    assert result.exit_code == 2
    assert "samen init" in result.output
    assert "Traceback" not in result.output


def test_full_round(run, db_url, tmp_path):
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    result = run("org", "import", str(units))
    assert result.exit_code == 0 and "2 units created" in result.output
    assert "W1\tHOSP\tWard 1" in run("org", "list").output
    result = run("survey", "create", str(EXAMPLE))
    assert result.exit_code == 0 and "hospital-2026" in result.output
    assert run("wave", "open", "hospital-2026", "2026-1").exit_code == 0
    out = tmp_path / "links.csv"
    result = run(
        "invite",
        "hospital-2026",
        "--unit",
        "W1",
        "--count",
        "3",
        "--out",
        str(out),
        "--base-url",
        "https://s.example",
    )
    assert result.exit_code == 0, result.output
    # Issue 14, path 4: one line warns what the holder of a link file can do.
    assert result.stderr.strip().splitlines() == [LINK_FILE_WARNING]
    assert "can see who has answered" in LINK_FILE_WARNING and "--emails" in LINK_FILE_WARNING
    with out.open(encoding="utf-8") as handle:
        links = [row["link"] for row in csv.DictReader(handle)]
    assert len(links) == 3 and all(link.startswith("https://s.example/s/") for link in links)
    printed = run("invite", "hospital-2026", "--unit", "W1", "--count", "2")
    stdout = printed.stdout.splitlines()
    assert stdout[0] == "link,unit" and len(stdout) == 3
    assert printed.stderr.strip() == LINK_FILE_WARNING
    db = Database(db_url)
    counts = issue_counts(db, "hospital-2026", "2026-1")
    assert (counts.mailed, counts.handed_out, counts.started) == (0, 5, 0)
    submit_response(db, links[0].rsplit("/", 1)[1], {"bel_mem_1": 5}, "nl")
    paper = tmp_path / "paper.csv"
    paper.write_text("unit,bel_mem_1\nW1,3\nW1,4\n", encoding="utf-8")
    result = run(
        "responses", "import", str(paper), "--survey", "hospital-2026", "--wave", "2026-1"
    )
    assert result.exit_code == 0 and "Imported 2" in result.output
    assert count_responses(db, "hospital-2026", "2026-1") == 3
    assert run("wave", "close", "hospital-2026", "2026-1").exit_code == 0
    assert "2026-1\tclosed" in run("wave", "list", "hospital-2026").output
    result = run("purge", "hospital-2026", input="n\n")
    assert result.exit_code == 1 and count_responses(db, "hospital-2026", "2026-1") == 3
    result = run("purge", "hospital-2026", "--yes")
    assert result.exit_code == 0 and "Deleted 3 responses" in result.output
    assert count_responses(db, "hospital-2026", "2026-1") == 0
    db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("wave", "open", "nosuch", "1"), "no survey 'nosuch'"),
        (("invite", "nosuch", "--unit", "W1"), "either --count N"),
        (("invite", "nosuch", "--unit", "W1", "--count", "2", "--emails", "x.txt"), "not both"),
        (("survey", "create", "missing.yaml"), "missing.yaml: file not found"),
        (("purge", "nosuch", "--yes", "--before", "2020-01-01", "--expired"), "not both"),
    ],
)
def test_errors_exit_2_with_one_line(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_file_problems_one_line_each(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_id,parent_id,name\nA,,\nA,,x\nB,NOPE,y\n", encoding="utf-8")
    result = run("org", "import", str(bad))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    assert "line 2" in lines[0] and "no name" in lines[0]
    assert "line 3" in lines[1] and "duplicates line 2" in lines[1]
    assert "line 4" in lines[2] and "'NOPE'" in lines[2]


def test_invite_by_email(run, tmp_path, monkeypatch, smtp_server):
    controller, handler = smtp_server
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    run("org", "import", str(units))
    run("survey", "create", str(EXAMPLE))
    run("wave", "open", "hospital-2026", "2026-1")
    emails = tmp_path / "emails.csv"
    emails.write_text("name,email\nAnn,ann@h.example\nBob,bob@h.example\n", encoding="utf-8")
    monkeypatch.delenv("SAMEN_SMTP_HOST", raising=False)
    result = run("invite", "hospital-2026", "--unit", "W1", "--emails", str(emails))
    assert result.exit_code == 2 and "SAMEN_SMTP_HOST" in result.output
    monkeypatch.setenv("SAMEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SAMEN_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("SAMEN_SMTP_FROM", "hr@h.example")
    result = run("invite", "hospital-2026", "--unit", "W1", "--emails", str(emails))
    assert result.exit_code == 0, result.output
    assert "Sent 2 invitations" in result.output
    assert sorted(r[0][0] for r in handler.messages) == ["ann@h.example", "bob@h.example"]


def test_survey_with_an_open_link_prints_the_whole_link(run, db_url, tmp_path, monkeypatch):
    from surveys.invitations import lookup_invitation

    monkeypatch.setenv("SAMEN_BASE_URL", "https://s.example/")
    path = tmp_path / "open.yaml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("open_link: false", "open_link: true"),
        encoding="utf-8",
    )
    result = run("survey", "create", str(path))
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Open link")]
    prefix = "Open link (works while a wave is open): https://s.example/o/"
    assert line.startswith(prefix)
    assert run("wave", "open", "hospital-2026", "2026-1").exit_code == 0
    db = Database(db_url)
    info = lookup_invitation(db, line.removeprefix(prefix))
    assert info is not None and info.open_link
    db.dispose()
