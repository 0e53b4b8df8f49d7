"""Fixed texts of the codebook in each language (English when a language has none)."""

from __future__ import annotations

__all__ = ["LANGUAGE_NAMES", "text"]

#: Boilerplate per language; a language without an entry falls back to English.
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "unit": "Organisational unit (code from the org import)",
        "unit_note": "Units with fewer than k respondents are rolled up into their parent "
        "unit; the code is then the parent's.",
        "language": "Language in which the questionnaire was answered",
        "missing_item": "no answer or '{na}' (both stored as missing)",
        "missing_item_plain": "no answer",
        "missing_demographic": "no answer, '{na}', or blanked to keep the export k-anonymous",
        "missing_qi": "blanked to keep the export k-anonymous",
        "missing_extra": "missing",
        "merged": "Other (merged: {labels})",
        "blanked": "Too rare to report, left empty: {labels}.",
        "missing_codes": "never empty; missing codes: {codes}",
    },
    "nl": {
        "unit": "Organisatie-eenheid (code uit de import van de organisatie)",
        "unit_note": "Eenheden met minder dan k respondenten zijn samengevoegd met hun "
        "bovenliggende eenheid; de code is dan die van de bovenliggende eenheid.",
        "language": "Taal waarin de vragenlijst is ingevuld",
        "missing_item": "geen antwoord of '{na}' (beide opgeslagen als ontbrekend)",
        "missing_item_plain": "geen antwoord",
        "missing_demographic": "geen antwoord, '{na}', of leeggemaakt zodat de export "
        "k-anoniem blijft",
        "missing_qi": "leeggemaakt zodat de export k-anoniem blijft",
        "missing_extra": "ontbrekend",
        "merged": "Overig (samengevoegd: {labels})",
        "blanked": "Te zeldzaam om te tonen, leeggelaten: {labels}.",
        "missing_codes": "nooit leeg; ontbrekend-codes: {codes}",
    },
}


#: Names of common survey languages, per language of the codebook.
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "nl": {"nl": "Nederlands", "en": "Dutch"},
    "en": {"nl": "Engels", "en": "English"},
    "de": {"nl": "Duits", "en": "German"},
    "fr": {"nl": "Frans", "en": "French"},
    "pl": {"nl": "Pools", "en": "Polish"},
    "tr": {"nl": "Turks", "en": "Turkish"},
    "ar": {"nl": "Arabisch", "en": "Arabic"},
}


def text(key: str, language: str) -> str:
    """Boilerplate ``key`` in ``language`` (English when there is no translation)."""
    return _TEXTS.get(language, _TEXTS["en"]).get(key, _TEXTS["en"][key])
