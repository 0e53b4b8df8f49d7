"""The Dutch translation is complete, consistent with its placeholders, and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.webapp.helpers import start

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
TRANSLATIONS = WEBAPP / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: The respondent app's, the public pages' and sign-in's sources: every string in them is
#: translated.
SOURCES = [
    *sorted((WEBAPP / "templates").glob("*.html")),
    *sorted((WEBAPP / "templates" / "respond").glob("*.html")),
    *sorted((WEBAPP / "templates" / "public").glob("*.html")),
    *sorted((WEBAPP / "templates" / "errors").glob("*.html")),
    *sorted((WEBAPP / "respond").glob("*.py")),
    *sorted((WEBAPP / "public").glob("*.py")),
    *sorted((WEBAPP / "auth" / "templates" / "auth").glob("*.html")),
    *sorted((WEBAPP / "auth").glob("*.py")),
]


def _catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def _source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    for path in SOURCES:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            found.add(message)
    return found


def test_every_interface_string_has_a_dutch_translation():
    catalog = _catalog("nl")
    translated = {message.id for message in catalog if message.id and message.string}
    missing = sorted(str(m) for m in _source_messages() - translated)
    assert missing == []


def test_dutch_translations_keep_placeholders_and_are_not_fuzzy():
    for message in _catalog("nl"):
        if not message.id or not any(_key(message.string)):
            continue  # untranslated: completeness is the test above
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, message.id


def _key(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_committed_mo_matches_po(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    source = {
        _key(m.id): _key(m.string)
        for m in _catalog(lang)
        if m.id and any(_key(m.string)) and not m.fuzzy
    }
    assert compiled == source


def test_pages_speak_the_chosen_language(client, survey):
    start(client, survey.tokens[0])
    nl = client.get("/survey?lang=nl").text
    en = client.get("/survey?lang=en").text
    assert "Je antwoorden zijn anoniem" in nl and "Your answers are anonymous" not in nl
    assert "Your answers are anonymous" in en and "Je antwoorden zijn anoniem" not in en


def test_welcome_sentence_reads_right_with_a_plural_organisation(client, survey):
    """The example survey is run by "Stadsziekenhuis, afdeling HR en de ondernemingsraad": a
    plural subject, so a sentence with the organisation as subject ("... vraagt je") would be
    wrong. The welcome sentence has the survey as its subject in both languages."""
    start(client, survey.tokens[0])
    nl = client.get("/survey?lang=nl").text
    en = client.get("/survey?lang=en").text
    assert "Deze vragenlijst komt van Stadsziekenhuis, afdeling HR en de ondernemingsraad." in nl
    assert "vraagt je" not in nl
    assert "This survey comes from City Hospital" in en and " asks you " not in en
