"""Researcher exports: codebook, datapackage.json and the CSV, SPSS and Excel writers."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

import instruments
from webapp.exports import (
    OTHER_CODE,
    build_codebook,
    codebook_dict,
    codebook_json,
    codebook_markdown,
    datapackage_dict,
    from_k_anonymized,
    prepare_data,
    shuffle_rows,
    write_export,
)

SURVEY, WAVE = "hospital-2026", "2026-1"
STEM = f"{SURVEY}_{WAVE}"


@pytest.fixture(scope="module")
def builtin():
    return [instruments.load_builtin(i) for i in instruments.list_builtin()]


@pytest.fixture(scope="module")
def codebook(builtin):
    return build_codebook(
        builtin,
        survey=SURVEY,
        wave=WAVE,
        languages=["nl", "en"],
        demographics_id="demographics",
        k=5,
        merged_categories={"dem_role": [2.0, 4]},
        blanked_categories={"dem_lgbtiq": [1]},
        rolled_up={"icu-night": "icu", "icu-day": "icu"},
        unit_names={"icu": "Intensive care", "er": "Emergency"},
        extra_columns={
            "weight": {"type": "number", "label": {"nl": "Gewicht", "en": "Weight"}},
            "site": {"type": "string", "label": "Site"},
        },
    )


def make_data(codebook, n=40, seed=0):
    """Random valid data with about 10% missing in every coded column."""
    rng = np.random.default_rng(seed)
    columns = {}
    for column in codebook.columns:
        if column.name == "unit":
            columns["unit"] = rng.choice(["icu", "er"], n).astype(object)
        elif column.name == "language":
            values = rng.choice(["nl", "en"], n).astype(object)
            values[0] = None
            columns["language"] = values
        elif column.type == "integer":
            values = rng.choice(np.array(column.code_values, dtype=float), n)
            values[rng.random(n) < 0.1] = np.nan
            values[1] = np.nan
            columns[column.name] = values
        elif column.type == "number":
            columns[column.name] = rng.normal(size=n)
        else:
            columns[column.name] = ["north"] * n
    return pd.DataFrame(columns)


# --- codebook -------------------------------------------------------------------------------


def test_column_order_unit_language_demographics_items_extra(codebook, builtin):
    by_id = {inst.id: inst for inst in builtin}
    demographics = [item.id for item in by_id["demographics"].items]
    items = [item.id for inst in builtin if inst.id != "demographics" for item in inst.items]
    assert list(codebook.names) == ["unit", "language", *demographics, *items, "weight", "site"]
    roles = {column.name: column.role for column in codebook.columns}
    assert roles["dem_age"] == "demographic"
    assert roles["bel_mem_1"] == "item"


def test_codebook_json_has_both_texts_of_every_builtin_item(codebook, builtin):
    data = json.loads(codebook_json(codebook))
    columns = {column["name"]: column for column in data["columns"]}
    for instrument in builtin:
        for scale in instrument.scales:
            for item in scale.items:
                column = columns[item.id]
                assert column["label"] == {"nl": item.text["nl"], "en": item.text["en"]}
                assert column["label"]["nl"] and column["label"]["en"]
                assert column["instrument"] == instrument.id
                assert column["instrument_version"] == instrument.version
                assert column["scale"] == scale.id
                assert column["reverse"] is item.reverse
                if item.id not in ("dem_role", "dem_lgbtiq"):
                    expected = [
                        {
                            "value": p,
                            "labels": {
                                lang: item.response_scale.labels[lang][p] for lang in ("nl", "en")
                            },
                        }
                        for p in item.response_scale.points
                    ]
                    assert column["codes"] == expected
                rs = item.response_scale
                extra = [labels for labels in (rs.not_applicable, rs.prefer_not_to_say) if labels]
                if extra:  # every label that becomes an empty cell, "/"-separated
                    assert column["not_applicable"] == {
                        "labels": {
                            lang: " / ".join(labels[lang] for labels in extra)
                            for lang in ("nl", "en")
                        },
                        "exported_as": "missing",
                    }
    versions = {inst["id"]: inst["version"] for inst in data["instruments"]}
    assert versions == {inst.id: inst.version for inst in builtin}
    assert data["k"] == 5 and data["row_order"] == "random"


def test_scales_list_items_and_reverse_keys(codebook, builtin):
    data = codebook_dict(codebook)
    scales = {scale["id"]: scale for scale in data["scales"]}
    belonging = {inst.id: inst for inst in builtin}["belonging"]
    membership = scales["belonging.membership"]
    assert membership["items"] == [item.id for item in belonging.scales[0].items]
    assert membership["reverse_items"] == ["bel_mem_4"]
    assert membership["scored"] is True
    assert scales["demographics.profile"]["scored"] is False
    assert all(not c.scored for c in codebook.columns if c.role == "demographic")


def test_scored_flag_follows_the_instrument(codebook, builtin):
    for instrument in builtin:
        if instrument.id == "demographics":
            continue
        for item in instrument.items:
            assert codebook.column(item.id).scored is item.scored


def test_merged_categories_are_labelled_other(codebook):
    role = codebook.column("dem_role")
    assert role.code_values == (1, 3, 5, 6, 7, OTHER_CODE)
    merged = role.codes[-1]
    assert merged.merged_from == (2, 4)
    assert (
        merged.labels["en"] == "Other (merged: Medical (doctor or specialist); Policy and advice)"
    )
    assert merged.labels["nl"].startswith("Overig (samengevoegd: Medisch")
    assert codebook_dict(codebook)["columns"][list(codebook.names).index("dem_role")]["codes"][-1][
        "merged_from"
    ] == [2, 4]


def test_blanked_categories_leave_the_codes_and_are_named(codebook):
    lgbtiq = codebook.column("dem_lgbtiq")
    assert lgbtiq.code_values == (2,)
    assert "Too rare to report, left empty: Yes." in lgbtiq.description["en"]
    assert "leeggelaten: Ja." in lgbtiq.description["nl"]


def test_a_merged_language_becomes_other(builtin):
    codebook = build_codebook(
        builtin[:1],
        survey="s",
        wave="1",
        languages=["nl", "en"],
        merged_categories={"language": ["en"]},
    )
    language = codebook.column("language")
    assert language.code_values == ("nl", "other")
    assert language.codes[1].labels["en"] == "Other (merged: English)"


def test_rolled_up_units_are_listed(codebook):
    unit = codebook.column("unit")
    assert unit.code_values == ("er", "icu")
    assert unit.codes[1].merged_from == ("icu-night", "icu-day")
    assert unit.closed and unit.codes[0].merged_from == ()
    assert unit.codes[1].labels == {"nl": "Intensive care", "en": "Intensive care"}
    assert "rolled up" in unit.description["en"]


def test_unit_codes_are_open_without_names(builtin):
    codebook = build_codebook(builtin[:1], survey="s", wave="1", languages=["en"])
    assert codebook.column("unit").codes == ()
    field = datapackage_dict(codebook, "csv", data_path="s_1.csv")["resources"][0]["schema"]
    assert "constraints" not in field["fields"][0]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_markdown_contains_every_item_and_both_texts(codebook, builtin, lang):
    text = codebook_markdown(codebook, lang)
    for instrument in builtin:
        assert f"`{instrument.id}`" in text
        for item in instrument.items:
            assert f"`{item.id}`" in text
            assert item.text["nl"].replace("|", "\\|") in text
            assert item.text["en"].replace("|", "\\|") in text
    assert text.startswith("# Codebook" if lang == "en" else "# Codeboek")
    assert "`belonging.membership`" in text
    # every table row has as many cells as its header
    for block in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.M):
        lines = block.splitlines()
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
        assert len(counts) == 1, lines[0]


def test_markdown_rejects_unknown_language(codebook):
    with pytest.raises(ValueError, match="lang"):
        codebook_markdown(codebook, "de")


def test_reserved_or_long_item_id_is_refused(builtin):
    belonging = {inst.id: inst for inst in builtin}["belonging"]
    scale = belonging.scales[0]
    for bad in ("with", "x" * 65):
        item = dataclasses.replace(scale.items[0], id=bad)
        broken = dataclasses.replace(
            belonging, scales=(dataclasses.replace(scale, items=(item,)),)
        )
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            build_codebook([broken], survey="s", wave="1", languages=["nl", "en"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"survey": "bad name"}, "survey"),
        ({"wave": "2026/1"}, "wave"),
        ({"languages": []}, "languages"),
        ({"demographics_id": "nope"}, "demographics_id"),
        ({"k": 0}, "k"),
        ({"extra_columns": {"1st": {}}}, "'1st'"),
        ({"extra_columns": {"bel_mem_1": {}}}, "'bel_mem_1' occurs twice"),
        ({"extra_columns": {"w": {"kind": "number"}}}, "unknown key"),
        ({"extra_columns": {"w": {"type": "date"}}}, "unknown type"),
        ({"merged_categories": {"nope": [1]}}, "merged_categories: unknown column 'nope'"),
        ({"blanked_categories": {"nope": [1]}}, "blanked_categories: unknown column 'nope'"),
        ({"merged_categories": {"bel_mem_1": [1, 2]}}, "not demographic"),
        ({"merged_categories": {"dem_role": [1, 42]}}, "42"),
        ({"merged_categories": {"dem_role": [1.5]}}, "1.5"),
        ({"blanked_categories": {"language": ["fr"]}}, "'fr'"),
        (
            {"merged_categories": {"dem_role": [2]}, "blanked_categories": {"dem_role": [2]}},
            "also merged",
        ),
        ({"unit_names": {"a": "A"}, "rolled_up": {"c": "b"}}, "unit_names"),
    ],
)
def test_build_codebook_refuses_bad_arguments(builtin, kwargs, match):
    arguments = {
        "survey": "s",
        "wave": "1",
        "languages": ["nl", "en"],
        "demographics_id": "demographics",
        **kwargs,
    }
    with pytest.raises(ValueError, match=match):
        build_codebook(builtin, **arguments)


# --- writers --------------------------------------------------------------------------------


def test_csv_round_trip(codebook, tmp_path):
    data = make_data(codebook)
    paths = write_export(data, codebook, "csv", tmp_path)
    assert [p.name for p in paths] == [
        f"{STEM}.csv",
        "codebook.json",
        "codebook.md",
        "datapackage.json",
    ]
    raw = paths[0].read_text(encoding="utf-8")
    header, first, second = raw.splitlines()[:3]
    assert header.split(",") == list(codebook.names)
    assert first.startswith(f"{data.loc[0, 'unit']},,")  # language blanked -> empty cell
    assert ".0" not in second.split(",")[2]  # integers, not floats
    back = pd.read_csv(paths[0], keep_default_na=False, na_values=[""])
    assert len(back) == len(data)
    for column in codebook.columns:
        if column.type == "integer":
            np.testing.assert_array_equal(back[column.name].to_numpy(float), data[column.name])
    assert back["language"].isna().sum() == 1
    assert list(back["unit"]) == list(data["unit"])  # row order as given


def test_sav_round_trip_keeps_labels_value_labels_and_missing(codebook, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    data = make_data(codebook)
    path = write_export(data, codebook, "sav", tmp_path, lang="en")[0]
    assert path.name == f"{STEM}.sav"
    back, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert list(back.columns) == list(codebook.names)
    labels = meta.column_names_to_labels
    assert labels["bel_mem_1"] == codebook.column("bel_mem_1").label["en"]
    assert labels["unit"].startswith("Organisational unit")
    assert meta.variable_value_labels["bel_mem_1"] == {
        1.0: "Strongly disagree",
        2.0: "Disagree",
        3.0: "Neither agree nor disagree",
        4.0: "Agree",
        5.0: "Strongly agree",
    }
    assert meta.variable_value_labels["dem_role"][90.0].startswith("Other (merged")
    assert 2.0 not in meta.variable_value_labels["dem_role"]
    assert meta.variable_measure["bel_mem_1"] == "ordinal"
    assert meta.variable_measure["dem_role"] == "nominal"
    assert meta.variable_measure["weight"] == "scale"
    for column in codebook.columns:
        if column.type == "integer":
            np.testing.assert_array_equal(back[column.name].to_numpy(float), data[column.name])
    assert back["bel_mem_1"].isna().sum() == data["bel_mem_1"].isna().sum() > 0
    np.testing.assert_allclose(back["weight"], data["weight"])
    assert list(back["unit"]) == list(data["unit"])
    assert back.loc[0, "language"] == ""  # SPSS strings have no missing: blank


def test_sav_labels_in_dutch_by_default(codebook, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = write_export(make_data(codebook, n=5), codebook, "sav", tmp_path)[0]
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.column_names_to_labels["bel_mem_1"] == codebook.column("bel_mem_1").label["nl"]
    assert meta.variable_value_labels["bel_mem_1"][1.0] == "Helemaal mee oneens"


def test_xlsx_has_data_codebook_and_scales_sheets(codebook, tmp_path):
    from openpyxl import load_workbook

    data = make_data(codebook, n=12)
    path = write_export(data, codebook, "xlsx", tmp_path, lang="en")[0]
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["data", "codebook", "scales"]
    rows = list(workbook["data"].iter_rows(values_only=True))
    assert list(rows[0]) == list(codebook.names)
    assert len(rows) == 1 + len(data)
    index = list(codebook.names).index("bel_mem_1")
    for row, expected in zip(rows[1:], data["bel_mem_1"], strict=True):
        if np.isnan(expected):
            assert row[index] is None
        else:
            assert row[index] == int(expected) and isinstance(row[index], int)
    assert rows[1][1] is None  # blanked language
    book = list(workbook["codebook"].iter_rows(values_only=True))
    assert [row[0] for row in book[1:]] == list(codebook.names)
    bel = book[1 + index]
    assert bel[3] == codebook.column("bel_mem_1").label["en"]
    assert bel[4] == codebook.column("bel_mem_1").label["nl"]
    assert "1 = Strongly disagree" in bel[5]
    scales = list(workbook["scales"].iter_rows(values_only=True))
    membership = next(row for row in scales if row[0] == "belonging.membership")
    assert membership[1:3] == ("belonging", "1.0")
    assert membership[6] == "bel_mem_4"
    workbook.close()


TEXTS = ["north", None, "", "=1+1", 'a & b <c> "d"', "  padded ", "two\nlines", "Zoë 😀"]


def test_xlsx_cells_equal_the_csv_cells(codebook, tmp_path):
    """Every cell of the Excel data sheet is the CSV's: integers as integers, numbers as the
    same floats, text as text (never a formula), missing as no value."""
    import csv

    from openpyxl import load_workbook

    data = make_data(codebook, n=40, seed=4)
    data["site"] = [TEXTS[i % len(TEXTS)] for i in range(len(data))]
    data.loc[[2, 9], "weight"] = np.nan
    data.loc[3, "weight"] = 1e-7
    data.loc[4, "weight"] = 0.1 + 0.2  # 17 significant digits
    data.loc[5, "bel_mem_1"] = np.nan
    csv_path = write_export(data, codebook, "csv", tmp_path / "csv")[0]
    xlsx_path = write_export(data, codebook, "xlsx", tmp_path / "xlsx")[0]
    with csv_path.open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(handle))
    workbook = load_workbook(xlsx_path, read_only=True)
    rows = [list(row) for row in workbook["data"].iter_rows()]
    workbook.close()
    assert [cell.value for cell in rows[0]] == expected[0] == list(codebook.names)
    assert len(rows) == len(expected) == 1 + len(data)
    kinds = {"integer": (int, "n"), "number": (float, "n"), "string": (str, "s")}
    types = [kinds[codebook.column(name).type] for name in codebook.names]
    missing = 0
    for row, want in zip(rows[1:], expected[1:], strict=True):
        assert len(row) == len(want) == len(types)
        for cell, text, (kind, data_type) in zip(row, want, types, strict=True):
            if text == "":
                assert cell.value is None
                missing += 1
                continue
            assert type(cell.value) is kind and cell.data_type == data_type
            assert (repr(cell.value) if kind is float else str(cell.value)) == text
    assert missing > len(data)  # blanked language, missing answers and texts were compared
    column = codebook.names.index("site")
    assert {row[column].value for row in rows[1:]} == set(TEXTS) - {None, ""} | {None}


def test_xlsx_refuses_more_rows_than_a_sheet_holds(codebook, tmp_path, monkeypatch):
    from webapp.exports import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 6)  # 5 rows besides the header
    write_export(make_data(codebook, n=5), codebook, "xlsx", tmp_path / "five")
    with pytest.raises(ValueError, match="at most 5 "):
        write_export(make_data(codebook, n=6), codebook, "xlsx", tmp_path / "six")
    assert not (tmp_path / "six").exists()


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_xlsx_column_letters(index, letters):
    from webapp.exports.xlsx import column_letter

    assert column_letter(index) == letters
    assert column_letter(16383) == "XFD"  # Excel's last column


def test_xlsx_control_characters_become_excel_escapes(tmp_path):

    from webapp.exports.xlsx import Sheet, value_rows, write_xlsx

    path = tmp_path / "x.xlsx"
    write_xlsx(path, [Sheet("data", ["s"], value_rows([["a\x01b"], [float("nan")]]), 2)])
    rows = _sheet_rows(path)
    assert rows == [("s",), ("a_x0001_b",), (None,)]  # Excel reads _x0001_ back as \x01


def test_xlsx_leaves_no_partial_file(tmp_path):
    from webapp.exports.xlsx import Sheet, value_rows, write_xlsx

    def rows():
        yield from value_rows([[1, "a"]])
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_xlsx(tmp_path / "x.xlsx", [Sheet("data", ["n", "s"], rows(), 2)])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "sav", "xlsx"])
def test_datapackage_describes_every_column(codebook, tmp_path, fmt):
    paths = write_export(make_data(codebook, n=8), codebook, fmt, tmp_path, lang="en")
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    name = re.compile(r"^[a-z0-9._-]+$")
    assert name.match(package["name"])
    assert package["profile"] == "data-package"  # it lists the codebooks too
    assert resource_profile(package) == (
        "tabular-data-resource" if fmt == "csv" else "data-resource"
    )
    resource = package["resources"][0]
    assert resource["path"] == paths[0].name and (tmp_path / resource["path"]).is_file()
    assert resource["format"] == fmt
    assert (
        resource["mediatype"]
        == {
            "csv": "text/csv",
            "sav": "application/x-spss-sav",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[fmt]
    )
    assert ("encoding" in resource) is (fmt == "csv")
    schema = resource["schema"]
    assert schema["missingValues"] == [""]
    fields = schema["fields"]
    assert [f["name"] for f in fields] == list(codebook.names)
    for field, column in zip(fields, codebook.columns, strict=True):
        assert field["type"] == column.type
        assert field["title"] == column.label["en"]
        if column.codes and column.closed:
            assert field["constraints"]["enum"] == list(column.code_values)
        else:
            assert "constraints" not in field
    by_name = {f["name"]: f for f in fields}
    assert by_name["bel_mem_1"]["constraints"]["enum"] == [1, 2, 3, 4, 5]
    assert by_name["language"]["constraints"]["enum"] == ["nl", "en"]
    assert "reverse-keyed" in by_name["bel_mem_4"]["description"]
    for resource in package["resources"]:
        assert name.match(resource["name"])
        assert (tmp_path / resource["path"]).is_file()


def test_datapackage_descriptions_read_as_sentences(codebook):
    fields = datapackage_dict(codebook, "csv", data_path="x.csv")["resources"][0]["schema"]
    for field in fields["fields"]:
        assert "?." not in field["description"] and ".." not in field["description"]
    by_name = {field["name"]: field for field in fields["fields"]}
    assert by_name["dem_age"]["description"].startswith("en: How old are you? ")
    assert "Empty: geen antwoord" in by_name["dem_age"]["description"]


def test_open_unit_codes_get_neither_enum_nor_categories(builtin):
    codebook = build_codebook(
        builtin[:1], survey="s", wave="1", languages=["en"], rolled_up={"a1": "a"}
    )
    field = datapackage_dict(codebook, "csv", data_path="s_1.csv")["resources"][0]["schema"]
    unit = field["fields"][0]
    assert unit["name"] == "unit" and "constraints" not in unit and "categories" not in unit
    assert codebook_dict(codebook)["columns"][0]["codes"] == [
        {"value": "a", "labels": {"en": ""}, "merged_from": ["a1"]}
    ]


def test_long_labels_are_cut_to_spss_limits(builtin, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    long = "é" * 300
    codebook = build_codebook(
        builtin[:1],
        survey="s",
        wave="1",
        languages=["en", "nl"],
        extra_columns={"flag": {"type": "integer", "label": long, "codes": {1: long}}},
    )
    data = make_data(codebook, n=3)
    data["flag"] = [1, None, 1]
    path = write_export(data, codebook, "sav", tmp_path)[0]
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    label = meta.column_names_to_labels["flag"]
    assert label.endswith("...") and len(label.encode()) <= 256
    value_label = meta.variable_value_labels["flag"][1.0]
    assert value_label.endswith("...") and len(value_label.encode()) <= 120


def resource_profile(package):
    return package["resources"][0]["profile"]


def test_datapackage_rejects_unknown_format(codebook):
    with pytest.raises(ValueError, match="fmt"):
        datapackage_dict(codebook, "parquet", data_path="x")


def test_columns_may_come_in_any_order(codebook, tmp_path):
    data = make_data(codebook, n=6)
    shuffled = data[list(reversed(data.columns))]
    path = write_export(shuffled, codebook, "csv", tmp_path)[0]
    assert pd.read_csv(path, nrows=0).columns.tolist() == list(codebook.names)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.assign(bogus=1), "'bogus'"),
        (lambda d: d.drop(columns=["bel_aff_2"]), "'bel_aff_2'"),
        (lambda d: d.assign(bel_mem_3=6), "'bel_mem_3'.*\\[6\\]"),
        (lambda d: d.assign(bel_mem_3=2.5), "'bel_mem_3'.*non-integer"),
        (lambda d: d.assign(bel_mem_3="agree"), "'bel_mem_3'.*not numeric"),
        (lambda d: d.assign(dem_role=2), "'dem_role'.*\\[2\\]"),
        (lambda d: d.assign(language="fr"), "'language'.*fr"),
        (lambda d: d.assign(unit="elsewhere"), "'unit'.*elsewhere"),
    ],
)
def test_bad_data_is_refused_naming_the_column(codebook, tmp_path, change, match):
    data = change(make_data(codebook, n=6))
    with pytest.raises(ValueError, match=match):
        write_export(data, codebook, "csv", tmp_path)
    assert not (tmp_path / f"{STEM}.csv").exists()


def test_duplicate_column_is_refused(codebook):
    data = make_data(codebook, n=3)
    data = pd.concat([data, data[["bel_mem_1"]]], axis=1)
    with pytest.raises(ValueError, match="'bel_mem_1' occurs more than once"):
        prepare_data(data, codebook)


def test_unknown_format_and_language_are_refused(codebook, tmp_path):
    data = make_data(codebook, n=3)
    with pytest.raises(ValueError, match="fmt"):
        write_export(data, codebook, "dta", tmp_path)
    with pytest.raises(ValueError, match="lang"):
        write_export(data, codebook, "csv", tmp_path, lang="de")


def test_prepare_data_converts_to_nullable_integers(codebook):
    data = make_data(codebook, n=10)
    data.index = range(100, 110)
    prepared = prepare_data(data, codebook)
    assert str(prepared["bel_mem_1"].dtype) == "Int64"
    assert list(prepared.index) == list(range(10))
    assert prepared["bel_mem_1"].isna().sum() == data["bel_mem_1"].isna().sum()


# --- row order ------------------------------------------------------------------------------


def test_shuffle_rows_is_a_permutation_with_a_fresh_index():
    data = pd.DataFrame({"x": range(1000)})
    shuffled = shuffle_rows(data)
    assert sorted(shuffled["x"]) == list(range(1000))
    assert list(shuffled.index) == list(range(1000))
    assert list(shuffled["x"]) != list(range(1000))
    assert list(shuffle_rows(data)["x"]) != list(shuffled["x"])


def test_shuffle_rows_with_seed_is_reproducible():
    data = pd.DataFrame({"x": range(50)})
    assert list(shuffle_rows(data, seed=3)["x"]) == list(shuffle_rows(data, seed=3)["x"])
    assert list(shuffle_rows(data, seed=3)["x"]) != list(range(50))


def test_shuffle_rows_uses_the_system_random_source(monkeypatch):
    import random

    calls = []
    original = random.SystemRandom.shuffle

    def spy(self, values):
        calls.append(len(values))
        return original(self, values)

    monkeypatch.setattr(random.SystemRandom, "shuffle", spy)
    shuffle_rows(pd.DataFrame({"x": range(7)}))
    assert calls == [7]


# --- with the engine's k-anonymisation -----------------------------------------------------


def test_k_anonymized_data_exports_k_anonymous_with_a_matching_codebook(builtin, tmp_path):
    from engine.disclosure.export import k_anonymize

    k = 5
    by_id = {inst.id: inst for inst in builtin}
    chosen = [by_id["belonging"], by_id["demographics"]]
    parent = {"org": None, "ward": "org", "ward-a": "ward", "ward-b": "ward", "lab": "org"}
    units = ["ward-a"] * 100 + ["ward-b"] * 3 + ["lab"] * 90 + ["org"] * 7
    n = len(units)
    roles = [2.0] * 3 + [4.0] * 4 + [5.0] * 3 + [1.0] * 95 + [3.0] * 95  # 2, 4, 5 rare
    frame = pd.DataFrame(
        {
            "unit": units,
            "language": ["en", "en"] + ["nl"] * (n - 2),
            "dem_role": roles,
        }
    )
    rng = np.random.default_rng(7)
    for item in by_id["belonging"].items:
        frame[item.id] = rng.integers(1, 6, n).astype(float)
    frame.loc[rng.random(n) < 0.1, "bel_mem_2"] = np.nan
    quasi = ["unit", "language", "dem_role"]
    result = k_anonymize(frame, quasi, k, parent, seed=1)
    for item in by_id["demographics"].items:
        if item.id not in result.data.columns:
            result.data[item.id] = np.nan
    data, changes = from_k_anonymized(result)
    assert changes["rolled_up"] == {"ward-b": "org", "ward": "org"}  # ward: 3 < k too
    assert changes["merged_categories"] == {"dem_role": (2.0, 4.0, 5.0)}
    assert changes["blanked_categories"] == {"language": ("en",)}
    codebook = build_codebook(
        chosen,
        survey="s",
        wave="1",
        languages=["nl", "en"],
        demographics_id="demographics",
        k=k,
        **changes,
    )
    path = write_export(shuffle_rows(data), codebook, "csv", tmp_path)[0]
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    sizes = back.groupby(quasi).size()
    assert back["bel_mem_2"].eq("").sum() == data["bel_mem_2"].isna().sum() > 0
    assert len(back) == n and sizes.min() >= k
    for name in ("dem_role", "dem_age"):
        column = codebook.column(name)
        allowed = {str(value) for value in column.code_values} | {""}
        assert set(back[name]) <= allowed, name
    assert str(OTHER_CODE) in set(back["dem_role"])
    assert codebook.column("dem_role").codes[-1].merged_from == (2, 4, 5)
    assert codebook.column("language").code_values == ("nl",)
    assert set(back["unit"]) <= {"ward-a", "lab", "org", ""}
    assert "org" in set(back["unit"])
    (unit_code,) = codebook.column("unit").codes
    assert unit_code.value == "org" and set(unit_code.merged_from) == {"ward", "ward-b"}


def test_from_k_anonymized_refuses_other_objects():
    with pytest.raises(ValueError, match="result"):
        from_k_anonymized(pd.DataFrame())


@pytest.mark.parametrize("fmt", ["csv", "sav", "xlsx"])
def test_an_empty_wave_exports_headers_only(codebook, tmp_path, fmt):
    data = make_data(codebook, n=3).iloc[:0]
    path = write_export(data, codebook, fmt, tmp_path)[0]
    if fmt == "csv":
        assert path.read_text(encoding="utf-8").strip() == ",".join(codebook.names)
    elif fmt == "sav":
        back, _ = pytest.importorskip("pyreadstat").read_sav(str(path))
        assert len(back) == 0 and list(back.columns) == list(codebook.names)
    else:
        assert _sheet_rows(path) == [tuple(codebook.names)]


def _sheet_rows(path, sheet: str = "data") -> list[tuple]:
    """The values of ``sheet``, read with openpyxl and the file closed again (read-only
    workbooks keep it open until ``close``)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()
