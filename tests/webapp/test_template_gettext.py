"""Templates' gettext (webapp.i18n.install_template_gettext): one lookup of the translations
per request, the strings exactly as Jinja's newstyle gettext gives them, and Flask-Babel's
``force_locale`` still switching the language for a block."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from webapp import create_app
from webapp.config import TestConfig
from webapp.i18n import current_language

TEMPLATE = (
    "{{ _('Back') }}|{{ _('Step %(step)s of %(steps)s', step='<b>', steps=2) }}|"
    "{{ _('100%% sure') }}|{{ gettext('Back') }}|"
    "{% trans n=3 %}Part {{ n }} of {{ n }}{% endtrans %}|"
    "{{ ngettext('%(num)s apple', '%(num)s apples', 2) }}"
)


def _render(lang: str) -> str:
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": 0})
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        return render_template_string(TEMPLATE)


def test_template_strings_are_translated_escaped_and_formatted() -> None:
    assert _render("nl") == ("Vorige|Stap &lt;b&gt; van 2|100% sure|Vorige|Part 3 of 3|2 apples")
    assert _render("en") == "Back|Step &lt;b&gt; of 2|100% sure|Back|Part 3 of 3|2 apples"


def test_force_locale_switches_the_language_for_its_block() -> None:
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": 0})
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert render_template_string("{{ _('Back') }}") == "Vorige"
        assert current_language() == "nl"
        with force_locale("en"):
            assert render_template_string("{{ _('Back') }}") == "Back"
            assert current_language() == "en"
        assert render_template_string("{{ _('Back') }}") == "Vorige"
        assert current_language() == "nl"
