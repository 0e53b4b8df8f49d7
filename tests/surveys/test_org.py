"""Importing the organisation tree from CSV."""

from __future__ import annotations

import pytest

from surveys.errors import InputError
from surveys.org import get_unit, import_units, list_units, read_units_csv

GOOD = (
    "unit_id,parent_id,name,manager_email\nORG,,Organisation,\nA,ORG,Unit A,a@x.nl\nB,A,Unit B,\n"
)


def write(tmp_path, text, name="units.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(path):
    with pytest.raises(InputError) as info:
        read_units_csv(path)
    return info.value.problems


def test_import_then_reimport_updates_in_place(db, tmp_path):
    report = import_units(db, write(tmp_path, GOOD))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert get_unit(db, "B").parent_code == "A"
    assert get_unit(db, "A").manager_email == "a@x.nl"
    # Rename A, move B under ORG, drop nothing: same codes, no new rows.
    moved = "unit_id,parent_id,name\nORG,,Organisation\nA,ORG,Renamed A\nB,ORG,Unit B\n"
    report = import_units(db, write(tmp_path, moved, "v2.csv"))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    units = {u.code: u for u in list_units(db)}
    assert len(units) == 3
    assert units["A"].name == "Renamed A"
    assert units["A"].manager_email is None
    assert units["B"].parent_code == "ORG"


def test_partial_reimport_keeps_other_units_and_reports_them(db, tmp_path):
    import_units(db, write(tmp_path, GOOD))
    report = import_units(db, write(tmp_path, "unit_id,parent_id,name\nC,A,New C\n", "c.csv"))
    assert report.created == 1
    assert report.not_in_file == ("A", "B", "ORG")
    assert get_unit(db, "C").parent_code == "A"


def test_excel_semicolons_and_bom(db, tmp_path):
    text = "\ufeffunit_id;parent_id;name\nORG;;Organisatie\nA;ORG;Afdeling Één\n"
    report = import_units(db, write(tmp_path, text))
    assert report.delimiter == ";"
    assert get_unit(db, "A").name == "Afdeling Één"


def test_excel_unicode_text_utf16_with_tabs(db, tmp_path):
    text = "\ufeffunit_id\tparent_id\tname\nORG\t\tOrganisatie\nA\tORG\tAfdeling Één\n"
    report = import_units(db, write(tmp_path, text, encoding="utf-16-le"))
    assert report.delimiter == "\t"
    assert get_unit(db, "A").name == "Afdeling Één"


def test_cp1252_is_named(tmp_path):
    path = write(
        tmp_path, "unit_id,parent_id,name\nORG,,Organisatie\nA,ORG,Café\n", encoding="cp1252"
    )
    (problem,) = problems_of(path)
    assert "line 3" in problem
    assert "Windows-1252" in problem
    assert "CSV UTF-8" in problem


def test_problems_are_reported_per_line(tmp_path):
    text = (
        "unit_id,parent_id,name,manager_email\n"
        "ORG,,Organisation,\n"
        "A,ORG,,\n"  # line 3: no name
        "A,ORG,Again,\n"  # line 4: duplicate
        "B B,ORG,Bad code,\n"  # line 5: bad code
        "C,ORG,C,not-an-email\n"  # line 6: bad e-mail
        "D,D,Self,\n"  # line 7: own parent
    )
    found = problems_of(write(tmp_path, text))
    assert any("line 3" in p and "no name" in p for p in found)
    assert any("line 4" in p and "duplicates line 3" in p for p in found)
    assert any("line 5" in p and "unit_id 'B B'" in p for p in found)
    assert any("line 6" in p and "e-mail" in p for p in found)
    assert any("line 7" in p and "its own parent" in p for p in found)


def test_missing_columns(tmp_path):
    (problem,) = problems_of(write(tmp_path, "id,parent,name\nA,,x\n"))
    assert "missing column(s) unit_id, parent_id" in problem


def test_unknown_parent_and_cycle_store_nothing(db, tmp_path):
    unknown = "unit_id,parent_id,name\nA,NOPE,Unit A\n"
    with pytest.raises(InputError) as info:
        import_units(db, write(tmp_path, unknown))
    assert "line 2" in info.value.problems[0] and "'NOPE'" in info.value.problems[0]
    cycle = "unit_id,parent_id,name\nA,C,Unit A\nB,A,Unit B\nC,B,Unit C\nD,,Root\n"
    with pytest.raises(InputError) as info:
        import_units(db, write(tmp_path, cycle, "cycle.csv"))
    (problem,) = info.value.problems
    assert "line 2" in problem and "cycle" in problem and "A -> C -> B -> A" in problem
    assert list_units(db) == []


def test_cycle_through_stored_units(db, tmp_path):
    import_units(db, write(tmp_path, GOOD))
    with pytest.raises(InputError, match="cycle"):
        import_units(db, write(tmp_path, "unit_id,parent_id,name\nORG,B,Organisation\n", "x.csv"))
    assert get_unit(db, "ORG").parent_code is None


def test_a_line_with_too_many_fields_is_reported_with_the_others(tmp_path):
    text = (
        "unit_id,parent_id,name\n"
        "ORG,,Organisation\n"
        "A,ORG,Ward A, east wing\n"  # line 3: an unquoted comma
        "B,ORG,\n"  # line 4: no name
    )
    found = problems_of(write(tmp_path, text))
    assert len(found) == 2
    assert "line 3: 4 fields, the header has 3" in found[0] and "double quotes" in found[0]
    assert "line 4" in found[1] and "no name" in found[1]


def test_import_reports_line_and_tree_problems_together_in_line_order(db, tmp_path):
    text = (
        "unit_id,parent_id,name\n"
        "A,NOPE,Unit A\n"  # line 2: unknown parent
        "B,ORG,\n"  # line 3: no name
        "C,D,Unit C\n"  # line 4: cycle C -> D -> C
        "D,C,Unit D\n"
        "E,B,Unit E\n"  # parent B is in the file (with a problem of its own): no cascade
    )
    with pytest.raises(InputError) as info:
        import_units(db, write(tmp_path, text))
    found = info.value.problems
    assert len(found) == 3, found
    assert "line 2" in found[0] and "'NOPE'" in found[0]
    assert "line 3" in found[1] and "no name" in found[1]
    assert "line 4" in found[2] and "C -> D -> C" in found[2]
    assert list_units(db) == []


def test_a_column_given_twice_is_a_problem(tmp_path):
    found = problems_of(write(tmp_path, "unit_id,parent_id,name,Name\nA,,First\n"))
    assert found == [f"{tmp_path / 'units.csv'}: line 1: column 'name' appears 2 times"]
