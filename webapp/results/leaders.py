"""A leader's own view of their team beside the team's protected results (the gap).

Two views, both through the results service's disclosure control:

- :func:`leader_gaps`, for the leader (a manager account) on their own unit's dashboard: per
  wave in which they answered, per scale, their own score, the team's score *as the results
  service releases it to them* (:func:`webapp.results.service.trend`: at least k valid
  scale scores, secondary suppression, closed waves only) and the gap, leader minus team.
  Where the team's score is withheld the gap is withheld with the team's reason. Only the
  leader's own answers (their account's e-mail) are read: another manager, an admin or a
  researcher gets no individual leader's view.
- :func:`leader_summary`, for the programme coordinator (admin): per programme (or, for a
  survey without programmes, per closed wave over all leaders), per wave and scale, the mean
  leader view, mean team view and mean gap over the leaders whose own score is valid and
  whose team's score is released; shown only over at least k **leaders** (k = the survey's
  minimum group size, counted here in leaders), withheld with the reason below that. Two
  groups of one wave whose leader sets differ by fewer than k leaders (but not by none) are
  both withheld, so that no leader's view follows by subtraction.

Disclosure, as ``samen audit`` sees it: these views form no new group of respondents. Every
team figure in them is the mean of one unit's cell exactly as the results service releases it
to the caller (the leader's own unit's, or, for the admin, each leader's unit's), and the
coordinator's "teams' view" is a mean of such released means, not a pooled count or sum;
the leaders' own numbers are leader data, protected by the k-leaders rule above (tested in
tests/webapp/test_leaders.py), not respondent data. The audit on the demo still finds nothing.

The leader's answers come from :mod:`surveys.leaders` and are scored exactly as the team's
(:func:`engine.psychometrics.scoring.score_scale`, reverse keys, at least
:data:`webapp.results.data.MIN_SHARE` of a scale's items answered). They never enter
:mod:`webapp.results.data`: a leader's answers are not team data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.db import Database
from surveys.definition import SurveyDefinition
from surveys.definitions import get_survey
from surveys.leaders import LeaderScale, leader_scales, leader_views_of, leader_views_of_wave
from surveys.users import UserInfo
from webapp.results.access import AccessDenied
from webapp.results.data import MIN_SHARE, load_survey

__all__ = ["LEADER_UNIT", "leader_gaps", "leader_score", "leader_summary"]

#: What the coordinator's threshold counts.
LEADER_UNIT = "leaders"


def leader_score(scale: LeaderScale, answers: dict[str, int]) -> float | None:
    """The leader's score on ``scale``: the team's scoring applied to one row (or None)."""
    import numpy as np
    import pandas as pd

    from engine.psychometrics.scoring import score_scale

    ids = [item.id for item in scale.items]
    rs = scale.items[0].response_scale
    row = [float(answers[i]) if i in answers else np.nan for i in ids]
    frame = pd.DataFrame([row], columns=ids)
    reverse = [item.id for item in scale.items if item.reverse]
    value = float(score_scale(frame, reverse, rs.minimum, rs.maximum, min_share=MIN_SHARE)[0])
    return None if np.isnan(value) else value


def _programme_waves(db: Database, slug: str, unit: str) -> dict[str, str]:
    """``{wave: "before" | "after"}`` for the programmes ``unit`` takes part in."""
    from surveys.programmes import list_programmes

    out: dict[str, str] = {}
    for programme in list_programmes(db, slug):
        if unit in programme.units:
            out.setdefault(programme.wave_before, "before")
            out.setdefault(programme.wave_after, "after")
    return out


def leader_gaps(db: Database, survey: str, unit: str, user: UserInfo) -> dict[str, Any] | None:
    """The signed-in leader's own views of ``unit`` beside the team's released scores.

    Returns None when the caller is not a manager of ``unit`` or gave no view of it.
    Otherwise ``{"survey", "unit", "k", "scales": [ids], "waves": [{"wave", "phase"
    ("before", "after" or None), "released", "scales": {id: {"leader", "team", "team_n",
    "gap", "reason"}}}]}``; "team", "team_n" and "gap" are None where the results service
    withholds the team's score, "reason" then says why (its reason code).

    Raises AccessDenied (via the results service) for a unit outside the caller's scope.
    """
    from webapp.results.service import trend

    if user.role != "manager" or user.unit_code != unit:
        return None
    definition = get_survey(db, survey)
    scales = leader_scales(definition)
    views = leader_views_of(db, survey, unit, user.email)
    if not views or not scales:
        return None
    team = {w["wave"]: w for w in trend(db, survey, unit, user)["waves"]}
    phases = _programme_waves(db, survey, unit)
    out: dict[str, Any] = {
        "survey": survey,
        "unit": unit,
        "k": definition.k,
        "scales": [s.id for s in scales],
        "waves": [],
    }
    for view in views:
        wave = team.get(view.wave)
        cells = {}
        for scale in scales:
            own = leader_score(scale, view.answers)
            cell = (wave or {}).get("scales", {}).get(scale.id)
            shown = cell is not None and not cell["suppressed"] and cell["mean"] is not None
            reason = None if shown else (cell["reason"] if cell else "wave-open")
            team_mean = cell["mean"] if shown and cell else None
            cells[scale.id] = {
                "leader": own,
                "team": team_mean,
                "team_n": cell["n"] if shown and cell else None,
                "gap": own - team_mean if own is not None and team_mean is not None else None,
                "reason": reason,
            }
        out["waves"].append(
            {
                "wave": view.wave,
                "phase": phases.get(view.wave),
                "released": bool(wave and wave["released"]),
                "scales": cells,
            }
        )
    return out


@dataclass
class _Group:
    """Leaders of one programme (or of the whole wave) in one wave."""

    key: str
    name: str
    cohort: str | None
    wave: str
    phase: str | None
    units: frozenset[str] | None
    # scale id -> {(unit, email): (leader score, team mean)}
    members: dict[str, dict[tuple[str, str], tuple[float, float]]] = field(default_factory=dict)


def _team_means(db: Database, survey: str, unit: str, user: UserInfo) -> dict[str, dict]:
    from webapp.results.service import trend

    return {w["wave"]: w["scales"] for w in trend(db, survey, unit, user)["waves"]}


def _fill(
    db: Database,
    survey: str,
    user: UserInfo,
    group: _Group,
    scales: list[LeaderScale],
    cache: dict[str, dict[str, dict]],
) -> None:
    units = set(group.units) if group.units is not None else None
    for view in leader_views_of_wave(db, survey, group.wave, units):
        if view.unit not in cache:
            cache[view.unit] = _team_means(db, survey, view.unit, user)
        team = cache[view.unit].get(group.wave, {})
        for scale in scales:
            own = leader_score(scale, view.answers)
            cell = team.get(scale.id)
            if own is None or cell is None or cell["suppressed"] or cell["mean"] is None:
                continue
            group.members.setdefault(scale.id, {})[(view.unit, view.email)] = (
                own,
                cell["mean"],
            )


def _groups(db: Database, definition: SurveyDefinition, survey: str) -> list[_Group]:
    from surveys.programmes import list_programmes

    groups: list[_Group] = []
    for p in list_programmes(db, survey):
        for wave, phase in ((p.wave_before, "before"), (p.wave_after, "after")):
            groups.append(
                _Group(f"{p.id}:{wave}", p.name, p.cohort, wave, phase, frozenset(p.units))
            )
    if not groups:  # no programme yet: all leaders of each wave
        context = load_survey(db, survey)
        for info in sorted(context.waves, key=lambda w: (w.opened_on, w.label)):
            groups.append(_Group(f"all:{info.label}", "", None, info.label, None, None))
    return groups


def leader_summary(db: Database, survey: str, user: UserInfo) -> dict[str, Any]:
    """Aggregates of leaders' views for the programme coordinator (admin only).

    Returns ``{"survey", "k", "unit": "leaders", "scales": [ids], "groups": [{"name",
    "cohort", "wave", "phase", "programme" (bool), "scales": {id: {"n", "leader", "team",
    "gap", "suppressed", "reason"}}}]}``; below k leaders every number of the cell, its
    count included, is None with ``reason`` ``"fewer-leaders"``, and ``"overlap"`` where
    another group of the wave differs from it by fewer than k leaders.

    Raises AccessDenied for any role but admin.
    """
    if user.role != "admin":
        raise AccessDenied("only the programme coordinator (admin) sees leader aggregates")
    definition = get_survey(db, survey)
    k = definition.k
    scales = leader_scales(definition)
    groups = _groups(db, definition, survey)
    cache: dict[str, dict[str, dict]] = {}
    for group in groups:
        _fill(db, survey, user, group, scales, cache)
    withheld = _withheld(groups, [s.id for s in scales], k)
    out_groups = []
    for group in groups:
        cells = {}
        for scale in scales:
            members = group.members.get(scale.id, {})
            reason = withheld.get((group.key, scale.id))
            if reason is not None:
                cells[scale.id] = {
                    "n": None,
                    "leader": None,
                    "team": None,
                    "gap": None,
                    "suppressed": True,
                    "reason": reason,
                }
                continue
            n = len(members)
            lead = sum(v[0] for v in members.values()) / n
            team = sum(v[1] for v in members.values()) / n
            cells[scale.id] = {
                "n": n,
                "leader": lead,
                "team": team,
                "gap": lead - team,
                "suppressed": False,
                "reason": None,
            }
        out_groups.append(
            {
                "name": group.name,
                "cohort": group.cohort,
                "wave": group.wave,
                "phase": group.phase,
                "programme": group.units is not None,
                "scales": cells,
            }
        )
    return {
        "survey": survey,
        "k": k,
        "unit": LEADER_UNIT,
        "scales": [s.id for s in scales],
        "groups": out_groups,
    }


def _withheld(groups: list[_Group], scale_ids: list[str], k: int) -> dict[tuple[str, str], str]:
    """(group key, scale) -> reason for every cell withheld: below k leaders, or overlap."""
    out: dict[tuple[str, str], str] = {}
    for sid in scale_ids:
        sets = {g.key: frozenset(g.members.get(sid, {})) for g in groups}
        wave_of = {g.key: g.wave for g in groups}
        for key, members in sets.items():
            if len(members) < k:
                out[(key, sid)] = "fewer-leaders"
        changed = True
        while changed:
            changed = False
            shown = [key for key in sets if (key, sid) not in out]
            for a in shown:
                for b in shown:
                    if a == b or wave_of[a] != wave_of[b] or (a, sid) in out:
                        continue
                    extra = len(sets[a] - sets[b]), len(sets[b] - sets[a])
                    if any(0 < d < k for d in extra):
                        out[(a, sid)] = out[(b, sid)] = "overlap"
                        changed = True
    return out
