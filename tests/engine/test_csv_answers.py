"""The CSV reader of `samen analyze` and `samen compare` (webapp/cli/csv_answers.py).

The fast reader (pyarrow, typed and column-wise) must give exactly the frame the careful one
(pandas, the reader every file went through before) gives, or hand the file to it; and every
problem must be named as before. Property: on files of answers drawn from cells that are
valid, missing, odd or bad, both readers end the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.cli import csv_answers
from webapp.cli.analyze_input import AnalyzeError, load_csv
from webapp.cli.csv_answers import read_answers, sniff


def _write(tmp_path: Path, text: str, name: str = "a.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


_CAREFUL = csv_answers._careful


def _careful(path: Path, items: list[str], texts: list[str]) -> pd.DataFrame:
    header, delimiter = sniff(path)
    return _CAREFUL(path, header, delimiter, items, texts)


@pytest.fixture
def no_careful(monkeypatch):
    """Fail the test if the careful (pandas) reader is asked to read."""

    def refuse(*args, **kwargs):
        raise AssertionError("the careful reader was used")

    monkeypatch.setattr(csv_answers, "_careful", refuse)


@pytest.fixture
def careful_calls(monkeypatch):
    calls: list[Path] = []

    def counting(path, *args):
        calls.append(path)
        return _CAREFUL(path, *args)

    monkeypatch.setattr(csv_answers, "_careful", counting)
    return calls


def _error(path: Path, items: list[str], texts: list[str], reader=read_answers) -> str:
    with pytest.raises(AnalyzeError) as info:
        reader(path, items, texts)
    return info.value.message


# -- the fast reader on ordinary files -----------------------------------------------------


CLEAN = [
    ("team,q1,q2,q3\na,1,2,3\na,2,,3\nb,NA,4,5\n,5,5,4\n", ","),
    ("\ufeffteam;q1;q2;q3\na;1;2,5;3\nb;2;;3\nc;4;4;5\n", ";"),  # BOM, decimal comma
    ("team,q1,q2,q3\r\na,1,2,3\r\nb,2,3,3\r\n\r\nc,4,4,5\r\n", ","),  # CRLF, blank line
    ('team,q1,q2,q3\n"a, b",1,"2",3\nb ,2,3, 4\nNA,3,3,3\n', ","),  # quotes, spaces
    ("team,q1,q2,q3\na,1,2,3\nb,1e999,-inf,+2\nc,00004,1.,.5", ","),  # no final newline
    ("team,q1,q2,q3\n", ","),  # a header only
]


@pytest.mark.parametrize(("text", "delimiter"), CLEAN)
def test_fast_reader_gives_the_careful_readers_frame(tmp_path, no_careful, text, delimiter):
    path = _write(tmp_path, text)
    assert sniff(path)[1] == delimiter
    fast = read_answers(path, ["q1", "q2", "q3"], ["team"])
    slow = _careful(path, ["q1", "q2", "q3"], ["team"])
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == ["q1", "q2", "q3", "team"]
    assert all(fast[q].dtype == np.float64 for q in ("q1", "q2", "q3"))


def test_values_missing_and_text_as_expected(tmp_path, no_careful):
    path = _write(tmp_path, "\ufeffunit;q1;wave\nA;1,5;2025\nB;;NA\nNA;4;2026\n")
    frame = load_csv(path, ["q1"], ["unit", "wave"])
    np.testing.assert_array_equal(frame["q1"].to_numpy(), [1.5, np.nan, 4.0])
    assert frame["unit"].tolist()[:2] == ["A", "B"] and pd.isna(frame["unit"].iloc[2])
    assert frame["wave"].tolist()[0] == "2025" and pd.isna(frame["wave"].iloc[1])
    # one text column by name, as `samen analyze --group` passes it
    assert load_csv(path, ["q1"], "wave").columns.tolist() == ["q1", "wave"]
    assert load_csv(path, ["q1"], None).columns.tolist() == ["q1"]


def test_many_blocks_keep_their_order(tmp_path, no_careful, monkeypatch):
    monkeypatch.setattr(csv_answers, "_BLOCK", 4096)
    rng = np.random.default_rng(5)
    answers = rng.integers(1, 6, size=(3000, 3)).astype(float)
    answers[rng.random(answers.shape) < 0.1] = np.nan
    lines = ["g,q1,q2,q3"] + [
        f"u{i % 7}," + ",".join("" if np.isnan(v) else f"{v:g}" for v in row)
        for i, row in enumerate(answers)
    ]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    frame = read_answers(path, ["q1", "q2", "q3"], ["g"])
    np.testing.assert_array_equal(frame[["q1", "q2", "q3"]].to_numpy(), answers)
    assert frame["g"].tolist() == [f"u{i % 7}" for i in range(3000)]


def test_whole_answers_then_a_decimal_in_the_last_block(tmp_path, no_careful, monkeypatch):
    """Whole answers are parsed as int8 first; a decimal (or a number beyond int8) in the
    last block makes the reader start again with float64, and nothing of the first
    attempt is left in the frame."""
    monkeypatch.setattr(csv_answers, "_BLOCK", 4096)
    rng = np.random.default_rng(7)
    answers = rng.integers(1, 6, size=(4000, 2)).astype(float)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    for last in (2.5, 300.0, -129.0):
        answers[-1, 1] = last
        lines = ["q1,q2"] + [
            ",".join("" if np.isnan(v) else f"{v:g}" for v in row) for row in answers
        ]
        path = _write(tmp_path, "\n".join(lines) + "\n")
        frame = read_answers(path, ["q1", "q2"], [])
        np.testing.assert_array_equal(frame.to_numpy(), answers)
        assert all(frame[q].dtype == np.float64 for q in ("q1", "q2"))


def test_a_bad_answer_near_the_end_of_a_million_rows_names_its_row(tmp_path):
    """Row 999,999 of a million (the header is row 1): a non-numeric answer is named by
    the reader, a non-finite one by the check after it, on the fast path."""
    from webapp.cli.analyze_input import check_finite

    body = "1,2\n" * 999_997 + "{}\n" + "3,4\n" * 2
    bad = _write(tmp_path, "q1,q2\n" + body.format("2,x"), "bad.csv")
    message = f"{bad}: column 'q2' has a non-numeric answer 'x' in row 999999"
    assert _error(bad, ["q1", "q2"], []) == message
    infinite = _write(tmp_path, "q1,q2\n" + body.format("inf,2"), "inf.csv")
    frame = read_answers(infinite, ["q1", "q2"], [])
    assert frame.shape == (1_000_000, 2)
    with pytest.raises(AnalyzeError) as info:
        check_finite(infinite, frame, ["q1", "q2"])
    assert info.value.message.startswith(
        f"{infinite}: column 'q1' has the non-finite answer inf in row 999999;"
    )


# -- files the fast reader hands to the careful one ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "q1,q2,q3\n1,2,3,\n2,3,4,\n",  # a delimiter at the end of every row
        "q1,q2,q3\n1,2\n2,3,4\n",  # a short row: pandas fills it with missing answers
        "q1,q2,q3\n1,  ,3\n2,3,4\n",  # a cell of spaces is a missing answer
        "q1,q2,q3\n1, NA,3\n2,3,4\n",  # so is NA after a space
        'q1,q2,team\n1,2," x"\n2,3,y\n',  # a text that begins with a space
        "q1,q2,q3\r1,2,3\n2,3,4\r3,4,5\r",  # lone CRs beside a LF: more rows than LFs
    ],
)
def test_odd_files_go_to_the_careful_reader_and_read_as_before(tmp_path, careful_calls, text):
    path = _write(tmp_path, text)
    texts = ["team"] if "team" in text else []
    items = ["q1", "q2"] + ([] if texts else ["q3"])
    frame = read_answers(path, items, texts)
    assert careful_calls == [path]
    pd.testing.assert_frame_equal(frame, _careful(path, items, texts))


# -- problems are named as before ----------------------------------------------------------


def test_a_non_numeric_answer_is_named_without_the_careful_reader(tmp_path, no_careful):
    rows = ["team,q1,q2"] + [f"t{i % 3},{1 + i % 5},{1 + i % 4}" for i in range(5000)]
    rows[4001] = "t1,3,x"
    rows[2001] = "t1,nope,2"
    path = _write(tmp_path, "\n".join(rows) + "\n")
    # q1 is read before q2: its bad answer is named first, though q2's is in a later column
    message = _error(path, ["q2", "q1"], ["team"])
    assert message == f"{path}: column 'q2' has a non-numeric answer 'x' in row 4002"
    assert (
        _error(path, ["q1"], [])
        == f"{path}: column 'q1' has a non-numeric answer 'nope' in row 2002"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("q1,q2\n1,2\n3, x\n", "column 'q2' has a non-numeric answer 'x' in row 3"),
        ("q1;q2\n1;2\n3;4.5\n", "column 'q2' has a non-numeric answer '4.5' in row 3"),
        ("q1,q2\n1,2\n3,nan\n", "column 'q2' has a non-numeric answer 'nan' in row 3"),
        ("q1,q2\n1,2\n3,4,5\n", "row 3 has 3 fields, the header 2"),
        ("q1,q2\n1,2\n", "no column 'q3' (columns: q1, q2)"),
        ("q1,q1\n1,2\n", "column 'q1' appears twice in the header"),
        ("", "empty file (no header row)"),
        ("q1,,q2\n1,2,3\n", "the header row has an empty column name"),
    ],
)
def test_problems_are_named_as_the_careful_reader_names_them(tmp_path, text, expected):
    path = _write(tmp_path, text)
    items = ["q1", "q2", "q3"] if "q3" in expected else ["q1", "q2"]
    assert _error(path, items, []) == f"{path}: {expected}"


def test_text_that_is_not_utf8_is_refused_even_in_a_column_not_read(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("q1,q2,naam\n1,2,José\n2,3,Zoë\n".encode("latin-1"))
    assert _error(path, ["q1", "q2"], []) == f"{path}: not UTF-8 text"
    utf16 = _write(tmp_path, "q1,q2\n1,2\n", "utf16.csv", encoding="utf-16")
    assert _error(utf16, ["q1", "q2"], []) == f"{utf16}: not UTF-8 text"


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "nothing.csv"
    assert _error(path, ["q1"], []) == f"{path}: no such file"


# -- property: both readers end the same way -----------------------------------------------

CELLS = ["1", "2", "5", "4,5", "3.5", "", "NA", " 2", "2 ", "x", "nan", "inf", "-1e999", "+3"]
CELLS += ["-0", "007", "300", "-128"]  # whole numbers at and beyond int8's range


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    delimiter=st.sampled_from([",", ";"]),
    rows=st.lists(
        st.tuples(
            st.sampled_from(CELLS), st.sampled_from(CELLS), st.sampled_from(["a", "NA", ""])
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_fast_and_careful_readers_agree(tmp_path, delimiter, rows):
    lines = [delimiter.join(["q1", "q2", "team"])]
    for q1, q2, team in rows:
        cells = [q1, q2, team]
        if delimiter == ",":
            cells = [f'"{c}"' if "," in c else c for c in cells]
        lines.append(delimiter.join(cells))
    path = _write(tmp_path, "\n".join(lines) + "\n", "prop.csv")
    items, texts = ["q1", "q2"], ["team"]
    try:
        slow = _careful(path, items, texts)
    except AnalyzeError as exc:
        assert _error(path, items, texts) == exc.message
        return
    pd.testing.assert_frame_equal(read_answers(path, items, texts), slow)
