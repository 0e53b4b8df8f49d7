"""The open link's survey options: ``open_link_k`` (responses) and its validation."""

from __future__ import annotations

import pytest

from surveys.errors import InputError
from surveys.survey_store import create_survey, get_survey, load_survey_file

MINIMAL = """\
id: mini
title: {nl: Mini, en: Mini}
organisation: {nl: Wij, en: Us}
languages: [nl, en]
instruments: [belonging]
open_link: true
"""


def write(tmp_path, extra: str = ""):
    path = tmp_path / "survey.yaml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", 10),  # max(2 * 5, 10)
        ("min_group_size: 8\ncomment_threshold: 12\n", 16),  # max(2 * 8, 10)
        ("min_group_size: 3\n", 10),
        ("open_link_k: 25\n", 25),
        ("min_group_size: 7\ncomment_threshold: 7\nopen_link_k: 7\n", 7),  # k itself is allowed
    ],
)
def test_open_link_k_default_and_value(tmp_path, extra, expected):
    assert load_survey_file(write(tmp_path, extra)).open_link_k == expected


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("open_link_k: 4\n", "open_link_k: 4 is below 5"),
        ("min_group_size: 8\ncomment_threshold: 8\nopen_link_k: 7\n", "open_link_k: 7 is below 8"),
        ("open_link_k: ten\n", "open_link_k: a whole number, got 'ten'"),
        ("open_link_k: 12.5\n", "open_link_k: a whole number, got 12.5"),
        ("open_link_k: true\n", "open_link_k: a whole number, got True"),
    ],
)
def test_bad_open_link_k_names_the_field(tmp_path, extra, message):
    with pytest.raises(InputError) as info:
        load_survey_file(write(tmp_path, extra))
    assert message in str(info.value)
    assert "survey.yaml: open_link_k:" in str(info.value)


def test_open_link_k_is_kept_with_the_stored_survey(db, tmp_path):
    slug = create_survey(db, write(tmp_path, "open_link_k: 14\n"))
    assert get_survey(db, slug).open_link_k == 14


def _summary(tmp_path, text: str):
    from surveys.privacy import privacy_summary

    path = tmp_path / "survey.yaml"
    path.write_text(text, encoding="utf-8")
    return privacy_summary(load_survey_file(path))


def test_privacy_page_says_what_the_open_link_cannot_promise(tmp_path):
    summary = _summary(tmp_path, MINIMAL + "open_link_k: 12\nmodules: {open_comments: true}\n")
    en = " ".join(summary.who_sees["en"])
    assert "anyone who has the link can add answers" in en
    assert "groups of at least 12 completed questionnaires" in en
    assert "What the open link cannot promise" in en
    assert "Comments are shown only for groups in which at least 12 people wrote one" in en
    assert "combination of unit and background characteristics" not in en
    nl = " ".join(summary.who_sees["nl"])
    assert "iedereen die de link heeft, kan antwoorden toevoegen" in nl
    assert "minstens 12 ingevulde vragenlijsten" in nl
    assert "IP address is only counted in memory" in " ".join(summary.not_stored["en"])
    # Without an open link none of it is said.
    plain = _summary(tmp_path, MINIMAL.replace("open_link: true", "open_link: false"))
    assert "open link" not in " ".join(plain.who_sees["en"] + plain.not_stored["en"])
    assert "combination of unit and background characteristics" in " ".join(plain.who_sees["en"])


def test_survey_create_says_what_the_open_link_means(db_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from webapp.cli import cli

    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    path = write(tmp_path, "open_link_k: 12\n")
    result = CliRunner().invoke(cli, ["survey", "create", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Anyone with the open link can add answers" in result.output
    assert "groups of at least 12 responses (open_link_k)" in result.output
