"""engine.report.pipeline.analyze: the contract's shape, nulls with reasons, and the renderers.

The numbers themselves are checked against R end to end in ``test_analyze_cli.py``; here the
data are small synthetic surveys built with a seeded generator.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.report.jsonable import Notes
from engine.report.pipeline import ScaleSpec, analyze, sanitize
from engine.report.render_html import render_html
from engine.report.render_text import render_text


def survey(n: int = 240, n_teams: int = 12, seed: int = 7) -> tuple[pd.DataFrame, pd.Series]:
    """Three 4-item scales on 1..5 (last item of each reverse-keyed), team effects, 5% missing."""
    rng = np.random.default_rng(seed)
    team = np.arange(n) % n_teams
    g = rng.standard_normal(n)
    cols = {}
    for s in range(3):
        f = 0.5 * g + 0.8 * rng.standard_normal(n) + rng.normal(0, 0.5, n_teams)[team]
        for i in range(4):
            sign = -1.0 if i == 3 else 1.0
            latent = sign * 0.8 * f + 0.6 * rng.standard_normal(n)
            x = np.searchsorted([-1.2, -0.4, 0.4, 1.2], latent) + 1.0
            x[rng.random(n) < 0.05] = np.nan
            cols[f"s{s}_{i}"] = x
    return pd.DataFrame(cols), pd.Series([f"t{t}" for t in team], name="team")


def specs(reverse: bool = True) -> list[ScaleSpec]:
    return [
        ScaleSpec(
            f"scale{s}",
            tuple(f"s{s}_{i}" for i in range(4)),
            frozenset({f"s{s}_3"}) if reverse else frozenset(),
            1,
            5,
        )
        for s in range(3)
    ]


@pytest.fixture(scope="module")
def report() -> dict:
    data, team = survey()
    return analyze(data, specs(), group=team)


SCALE_KEYS = {
    "n", "mean", "sd", "alpha", "alpha_ci", "std_alpha", "omega_total", "ordinal_alpha",
    "items", "icc1", "icc2", "rwg_j_mean", "rwg_j_median",
}  # fmt: skip
ITEM_KEYS = {"mean", "sd", "r_drop", "alpha_if_dropped"}
EFA_KEYS = {"kmo", "kmo_items", "bartlett", "parallel_n_factors", "loadings", "n_factors"}
CFA_KEYS = {"chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci", "srmr", "loadings"}


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def test_contract_shape_with_groups(report):
    assert report["n"] == 240
    assert {"n", "scales", "efa", "cfa", "omega", "notes"} <= set(report)
    assert list(report["scales"]) == ["scale0", "scale1", "scale2"]
    for scale in report["scales"].values():
        assert set(scale) >= SCALE_KEYS
        assert isinstance(scale["n"], int)
        for key in SCALE_KEYS - {"n", "items", "alpha_ci"}:
            assert _is_number(scale[key]), key
        lo, hi = scale["alpha_ci"]
        assert lo < scale["alpha"] < hi
        assert len(scale["items"]) == 4
        for row in scale["items"].values():
            assert set(row) == ITEM_KEYS
            assert all(_is_number(v) for v in row.values())
    efa = report["efa"]
    assert set(efa) >= EFA_KEYS
    assert _is_number(efa["kmo"]) and set(efa["kmo_items"]) == {
        f"s{s}_{i}" for s in range(3) for i in range(4)
    }
    assert set(efa["bartlett"]) == {"chisq", "df", "p"} and efa["bartlett"]["df"] == 66
    assert isinstance(efa["parallel_n_factors"], int) and efa["n_factors"] == 3
    assert all(len(row) == 3 for row in efa["loadings"].values())
    cfa = report["cfa"]
    assert set(cfa) >= CFA_KEYS
    for key in CFA_KEYS - {"loadings", "rmsea_ci"}:
        assert _is_number(cfa[key]), key
    assert cfa["rmsea_ci"][0] <= cfa["rmsea"] <= cfa["rmsea_ci"][1]
    assert cfa["loadings"]["s1_2"].keys() == {"scale1"}
    assert set(report["omega"]) == {"hierarchical", "total", "n_factors"}
    assert report["omega"]["n_factors"] == 3
    assert report["group"] == {"n_groups": 12, "n_missing": 0}
    assert report["notes"] == []
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_reverse_keying_is_applied_before_the_statistics(report):
    data, team = survey()
    flipped = data.copy()
    for s in range(3):
        flipped[f"s{s}_3"] = 6 - flipped[f"s{s}_3"]
    again = analyze(flipped, specs(reverse=False), group=team)
    for sid, scale in report["scales"].items():
        other = again["scales"][sid]
        for key in ("mean", "sd", "alpha", "std_alpha", "omega_total", "icc1", "rwg_j_mean"):
            assert other[key] == pytest.approx(scale[key], abs=1e-12), (sid, key)
        assert other["items"][f"s{sid[-1]}_3"]["r_drop"] == pytest.approx(
            scale["items"][f"s{sid[-1]}_3"]["r_drop"]
        )


def test_reversed_item_has_positive_item_total_correlation(report):
    for s in range(3):
        assert report["scales"][f"scale{s}"]["items"][f"s{s}_3"]["r_drop"] > 0.2
        assert report["scales"][f"scale{s}"]["reverse"] == [f"s{s}_3"]


def test_without_group_the_aggregation_fields_are_absent():
    data, _ = survey()
    out = analyze(data, specs())
    assert "group" not in out
    for scale in out["scales"].values():
        assert not {"icc1", "icc2", "rwg_j_mean", "rwg_j_median"} & set(scale)


def test_single_scale_uses_parallel_analysis_and_has_no_top_level_omega():
    data, _ = survey()
    out = analyze(data, specs()[:1])
    assert "omega" not in out
    assert out["efa"]["n_factors"] == min(out["efa"]["parallel_n_factors"], 3)
    assert _is_number(out["cfa"]["cfi"])


def test_single_item_scale_gets_null_reliability_with_notes():
    data, team = survey()
    scales = [*specs()[:2], ScaleSpec("single", ("s2_0",), frozenset(), 1, 5)]
    out = analyze(data, scales, group=team)
    single = out["scales"]["single"]
    for key in ("alpha", "alpha_ci", "std_alpha", "omega_total", "ordinal_alpha"):
        assert single[key] is None
        assert any(n.startswith(f"scales.single.{key}: single-item") for n in out["notes"])
    assert _is_number(single["mean"]) and _is_number(single["icc1"])
    assert single["items"]["s2_0"]["r_drop"] is None
    assert out["cfa"]["left_out"] == ["single"]
    assert "s2_0" not in out["cfa"]["loadings"]
    assert _is_number(out["cfa"]["cfi"])
    assert json.dumps(out, allow_nan=False)


def test_constant_item_gives_null_reliability_and_kmo_with_reasons():
    data, _ = survey()
    data["s0_1"] = 3.0
    out = analyze(data, specs())
    assert out["scales"]["scale0"]["alpha"] is None
    assert any("scales.scale0.alpha: constant item(s) s0_1" in n for n in out["notes"])
    assert out["efa"]["kmo_items"]["s0_1"] is None
    assert any(n.startswith("efa.kmo_items.s0_1: constant item") for n in out["notes"])
    assert _is_number(out["scales"]["scale1"]["alpha"])
    assert _is_number(out["efa"]["kmo"])


def test_item_without_answers_is_named_as_such_and_the_cfa_says_why():
    data, _ = survey()
    data["s0_1"] = np.nan  # nobody answered it: listwise deletion leaves no CFA rows
    out = analyze(data, specs())
    reason = "scales.scale0.alpha: no answers to item(s) s0_1: correlations undefined"
    assert reason in out["notes"]
    assert (
        "efa.kmo_items.s0_1: item without any answer, left out of the factor analyses"
        in (out["notes"])
    )
    assert out["cfa"]["n"] == 0 and out["cfa"]["chisq"] is None
    cfa_notes = [n for n in out["notes"] if n.startswith("cfa: ")]
    assert cfa_notes == [
        "cfa: 0 respondent(s) answered every item of the model, 13 or more are needed"
        " (listwise deletion, as lavaan)"
    ]


def test_constant_item_in_the_cfa_is_named():
    data, _ = survey()
    data["s0_1"] = 3.0
    out = analyze(data, specs())
    assert "cfa: constant item(s) s0_1: no ML fit" in out["notes"]


def test_every_null_has_a_note():
    data, team = survey(n=60, n_teams=30)
    data.loc[:, "s1_2"] = np.nan  # an item nobody answered
    out = analyze(data, specs(), group=team)
    nulls = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif value is None:
            nulls.append(path)

    walk({k: v for k, v in out.items() if k != "notes"}, "")
    assert nulls
    noted = [n.split(": ", 1)[0] for n in out["notes"]]
    for path in nulls:
        assert any(
            path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in noted
        ), path


def test_respondents_without_group_are_left_out_of_aggregation(report):
    data, team = survey()
    team = team.astype(object)
    team.iloc[:40] = None
    out = analyze(data, specs(), group=team)
    assert out["group"] == {"n_groups": 12, "n_missing": 40}
    assert out["scales"]["scale0"]["n"] == report["scales"]["scale0"]["n"]
    assert out["scales"]["scale0"]["icc1"] != pytest.approx(report["scales"]["scale0"]["icc1"])


def test_min_share_changes_who_gets_a_score():
    data, _ = survey()
    strict = analyze(data, specs()[:1], min_share=1.0)["scales"]["scale0"]["n"]
    lenient = analyze(data, specs()[:1], min_share=0.25)["scales"]["scale0"]["n"]
    complete = int(data[[f"s0_{i}" for i in range(4)]].notna().all(axis=1).sum())
    assert (
        strict
        == complete
        < lenient
        == int(data[[f"s0_{i}" for i in range(4)]].notna().any(axis=1).sum())
    )


def test_timings_are_reported_per_stage():
    data, team = survey()
    timings: dict[str, float] = {}
    analyze(data, specs(), group=team, timings=timings)
    assert {"scoring", "reliability", "efa", "cfa", "omega", "aggregation"} <= set(timings)
    assert all(t >= 0 for t in timings.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scales": []}, "scales must name at least one scale"),
        (
            {
                "scales": [
                    ScaleSpec("a", ("s0_0", "s0_1"), frozenset(), 1, 5),
                    ScaleSpec("a", ("s1_0",), frozenset(), 1, 5),
                ]
            },
            "repeat the id",
        ),
        (
            {
                "scales": [
                    ScaleSpec("a", ("s0_0", "s0_1"), frozenset(), 1, 5),
                    ScaleSpec("b", ("s0_1",), frozenset(), 1, 5),
                ]
            },
            "in both",
        ),
        ({"scales": [ScaleSpec("a", ("s0_0", "nope"), frozenset(), 1, 5)]}, "no column(s) nope"),
        ({"group": ["x"] * 240}, "at least two different groups"),
        ({"group": ["x", "y"]}, "one value per respondent"),
        ({"min_share": 0}, "min_share"),
        ({"data": [[1, 2]]}, "data must be a pandas DataFrame"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, message):
    data, _ = survey()
    call = {"data": data, "scales": specs(), **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        analyze(**call)


def test_too_few_respondents():
    data, _ = survey()
    with pytest.raises(ValueError, match="at least 3 respondents"):
        analyze(data.iloc[:2], specs())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": ()}, "must not be empty"),
        ({"items": ("a", "a")}, "repeat an item"),
        ({"reverse": frozenset({"z"})}, "names non-items: z"),
        ({"low": 5, "high": 1}, "low < high"),
        ({"id": ""}, "id must be"),
    ],
)
def test_scale_spec_validates(kwargs, message):
    base = {"id": "s", "items": ("a", "b"), "reverse": frozenset(), "low": 1, "high": 5}
    with pytest.raises(ValueError, match=message):
        ScaleSpec(**{**base, **kwargs})


def test_scale_spec_options():
    assert ScaleSpec("s", ("a",), frozenset(), 1, 5).n_options == 5
    assert ScaleSpec("s", ("a",), frozenset(), 0, 10).n_options == 11


def test_sanitize_turns_nan_into_null_with_a_note():
    notes = Notes()
    notes.add("x.b", "because")
    out = sanitize(
        {
            "x": {
                "a": np.float64(1.5),
                "b": float("nan"),
                "c": [np.int64(2), np.inf],
                "d": np.bool_(True),
            }
        },
        notes,
    )
    assert out == {"x": {"a": 1.5, "b": None, "c": [2, None], "d": True}}
    assert type(out["x"]["c"][0]) is int
    assert notes.as_list() == ["x.b: because", "x.c[1]: not a finite number for these data"]
    with pytest.raises(TypeError, match="x"):
        sanitize({"x": object()})


# -- renderers -----------------------------------------------------------------------------


def test_text_renderer_shows_every_scale_number(report):
    text = render_text(report, title="T", group="team")
    assert text.startswith("T\n=")
    for sid, scale in report["scales"].items():
        row = " | ".join(line for line in text.splitlines() if line.startswith(sid + " "))
        for key in (
            "mean",
            "sd",
            "alpha",
            "std_alpha",
            "omega_total",
            "ordinal_alpha",
            "icc1",
            "icc2",
            "rwg_j_mean",
            "rwg_j_median",
        ):
            assert f"{scale[key]:.3f}" in row, (sid, key)
        for item, stats in scale["items"].items():
            shown = "-" + item if item in scale["reverse"] else item
            line = next(ln for ln in text.splitlines() if ln.startswith(shown + " "))
            assert all(f"{stats[k]:.3f}" in line for k in ITEM_KEYS)
    words = " ".join(text.split())  # the summary lines wrap
    assert f"chi2({report['cfa']['df']}) = {report['cfa']['chisq']:.3f}" in words
    assert "Groups (team): 12" in text


def test_text_renderer_shows_nulls_as_na_and_the_notes():
    data, _ = survey()
    out = analyze(data, [*specs()[:2], ScaleSpec("single", ("s2_0",), frozenset(), 1, 5)])
    text = render_text(out)
    row = next(line for line in text.splitlines() if line.startswith("single "))
    assert " NA " in row
    assert "Notes" in text and "single-item scale" in text


def test_html_renderer_is_self_contained_and_escapes(report):
    tricky = json.loads(json.dumps(report))
    tricky["scales"]["<b>&x"] = tricky["scales"].pop("scale0")
    page = render_html(tricky, title="Report <1>")
    assert "<title>Report &lt;1&gt;</title>" in page
    assert "&lt;b&gt;&amp;x" in page and "<b>&x" not in page
    assert "http" not in page and "<script" not in page
    for sid, scale in tricky["scales"].items():
        assert f"{scale['alpha']:.3f}" in page and f"{scale['icc2']:.3f}" in page, sid
    assert page.count("<table>") == 2 + 3 + 3
    assert 'class="num strong"' in page  # salient loadings stand out


# -- property: any data give a JSON-safe report whose every null is explained ---------------


def _nulls(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nulls(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nulls(v, f"{path}[{i}]")
    elif value is None:
        yield path


@st.composite
def small_surveys(draw):
    n = draw(st.integers(3, 30))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    missing = draw(st.sampled_from([0.0, 0.1, 0.5]))
    cols, scales = {}, []
    for s, size in enumerate(sizes):
        items = []
        for i in range(size):
            x = rng.integers(1, 6, n).astype(float)
            if draw(st.booleans()) and i == 0:
                x[:] = 3.0  # a constant item now and then
            x[rng.random(n) < missing] = np.nan
            cols[f"i{s}_{i}"] = x
            items.append(f"i{s}_{i}")
        reverse = frozenset(items[-1:]) if draw(st.booleans()) else frozenset()
        scales.append(ScaleSpec(f"sc{s}", tuple(items), reverse, 1, 5))
    teams = rng.integers(0, draw(st.integers(2, 5)), n)
    teams[:2] = [0, 1]  # at least two groups
    return pd.DataFrame(cols), scales, pd.Series(teams)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_surveys())
def test_any_survey_gives_json_safe_report_with_every_null_explained(case):
    data, scales, teams = case
    out = analyze(data, scales, group=teams)
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    noted = [n.split(": ", 1)[0] for n in out["notes"]]
    for path in _nulls({k: v for k, v in out.items() if k != "notes"}):
        assert any(path == p or path.startswith((p + ".", p + "[")) for p in noted), path
    assert set(out["scales"]) == {s.id for s in scales}


def test_numerical_warnings_of_a_statistic_become_notes_not_errors():
    import warnings

    from engine.report.support import attempt as _try

    def heywood():
        warnings.warn("invalid value encountered in sqrt", RuntimeWarning, stacklevel=1)
        return float("nan")

    notes = Notes()
    value = _try(heywood, ["cfa.srmr", "cfa.cfi"], notes)  # no error under filterwarnings
    assert math.isnan(value)
    assert sanitize({"cfa": {"srmr": value}}, notes) == {"cfa": {"srmr": None}}
    assert notes.as_list() == ["cfa.srmr: numerical problem (invalid value encountered in sqrt)"]

    def broken():
        raise np.linalg.LinAlgError("Singular matrix")

    assert _try(broken, "efa.kmo", notes) is None
    assert notes.hints["efa.kmo"] == "not computed (Singular matrix)"


@pytest.mark.filterwarnings("error")
def test_heywood_case_gives_null_cfa_loadings_with_a_reason():
    from engine.report.stages import cfa_stage
    from tests.engine.test_cfa import HEYWOOD_MODEL, _heywood_data

    specs = [ScaleSpec(f, tuple(items), frozenset(), 1, 5) for f, items in HEYWOOD_MODEL.items()]
    notes = Notes()
    out = sanitize({"cfa": cfa_stage(_heywood_data(), specs, notes)}, notes)["cfa"]
    assert out["converged"] and out["chisq"] is not None
    assert out["loadings"]["b1"] == {"B": None} and out["loadings"]["b2"] == {"B": None}
    assert out["loadings"]["a1"]["A"] is not None
    assert "cfa.loadings.b1.B: factor B has a negative variance (Heywood case)" in notes.as_list()
    assert not any("numerical problem" in note for note in notes.as_list())
    assert out["negative_variances"] == ["B"]
    from engine.report.tables import summary_lines

    report = {"n": 300, "min_share": 2 / 3, "scales": {}, "cfa": out}
    report["efa"] = {"bartlett": dict.fromkeys(("chisq", "df", "p"))}
    report["efa"].update(dict.fromkeys(("kmo", "parallel_n_factors", "n_factors")))
    assert any(
        line.startswith("Heywood case in the CFA: negative variance of factor(s) B")
        for line in summary_lines(report)
    )
