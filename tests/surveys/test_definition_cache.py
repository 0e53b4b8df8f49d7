"""The per-process cache of survey definitions (surveys.definitions.get_survey): one parse
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
    from surveys import definitions
    from surveys.definitions import create_survey, get_survey
    from surveys.errors import NotFound
    from surveys.models import SurveyRow

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
