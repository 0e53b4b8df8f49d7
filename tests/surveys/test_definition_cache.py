"""The per-process cache of survey definitions (surveys.survey_store.get_survey): one parse
per stored survey, and a survey removed and created again under its slug is read afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

HOSPITAL = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"


def test_definition_is_parsed_once_and_read_afresh_when_the_row_changes(
    db: Any, tmp_path: Path
) -> None:
    from surveys import survey_store as definitions
    from surveys.errors import NotFound
    from surveys.models import SurveyRow
    from surveys.survey_store import create_survey, get_survey

    slug = create_survey(db, HOSPITAL)
    first = get_survey(db, slug)
    assert get_survey(db, slug) is first  # served from the cache
    assert first.title["en"].startswith("Working at City Hospital")

    with db.session(write=True) as session:
        session.execute(delete(SurveyRow).where(SurveyRow.slug == slug))
    with pytest.raises(NotFound):
        get_survey(db, slug)  # a removed survey is not served from the cache

    renamed = tmp_path / "hospital.yaml"
    renamed.write_text(
        HOSPITAL.read_text(encoding="utf-8").replace(
            "Working at City Hospital", "Working at Riverside Hospital"
        ),
        encoding="utf-8",
    )
    assert create_survey(db, renamed) == slug
    again = get_survey(db, slug)
    assert again is not first
    assert again.title["en"].startswith("Working at Riverside Hospital")
    assert len(definitions._CACHE) <= definitions.CACHE_SIZE


def test_a_survey_changed_in_place_is_read_afresh_even_at_the_same_length(db: Any) -> None:
    """The console and ``samen survey update`` change a stored definition in place; k from
    5 to 6 keeps the text's length, so the cache's version must see the content, or every
    worker would go on releasing results at the old k."""
    from sqlalchemy import select, update

    from surveys.models import SurveyRow
    from surveys.survey_store import create_survey, get_survey

    slug = create_survey(db, HOSPITAL)
    before = get_survey(db, slug)
    with db.session() as session:
        text = session.execute(select(SurveyRow.definition).where(SurveyRow.slug == slug)).scalar()
    key = '"min_group_size": '
    changed = text.replace(f"{key}{before.k}", f"{key}{before.k + 1}", 1)
    assert changed != text and len(changed) == len(text)
    with db.session(write=True) as session:
        session.execute(update(SurveyRow).where(SurveyRow.slug == slug).values(definition=changed))
    assert get_survey(db, slug).k == before.k + 1
