"""A wave's data as the results service needs it: the tree, the matrix, the measures.

A *measure* is one thing a cell can describe: the responses themselves, a scale (the scores of
:func:`engine.psychometrics.scoring.score_scale`, valid when at least 2/3 of its items are
answered) or an item (answers other than "not applicable"). Each has its own n per unit, so each
gets its own suppression pattern (DESIGN.md, anonymity point 2: a cell's n is the number of
responses behind that very number).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from surveys.db import Database
from surveys.errors import NotFound
from surveys.org import UnitInfo, list_units, wave_trees
from surveys.responses import AnswerMatrix, count_by_unit, count_responses, load_answers
from surveys.survey_definition import SurveyDefinition
from surveys.survey_store import get_survey
from surveys.waves import WaveInfo, list_waves

__all__ = [
    "MIN_SHARE",
    "Measure",
    "SurveyContext",
    "WaveData",
    "load_survey",
    "load_wave",
    "request_memo",
    "responses_by_unit",
]

#: Share of a scale's items a respondent must answer for a scale score.
MIN_SHARE = 2 / 3


@dataclass(frozen=True)
class Measure:
    """One scale, item or the response count, with its per-response validity.

    ``answers`` holds the (reverse-keyed, for scales) item answers behind the measure, one
    row per response; ``scores`` the value per response (scale score or item answer).
    An item of a scored scale is valid only for respondents with a valid score on that
    scale (:func:`webapp.results.measures.build_measures`), so a scale's cell and its
    items' cells describe the same respondents.
    """

    id: str
    kind: Literal["responses", "scale", "item"]
    valid: np.ndarray
    scores: np.ndarray | None = None
    answers: np.ndarray | None = None
    points: tuple[int, ...] = ()
    ordinal: bool = True
    sensitive: bool = False
    reverse: bool = False
    #: Whether the homogeneity rule applies (:mod:`webapp.results.homogeneity`): sensitive
    #: instruments and those named in
    #: :data:`engine.disclosure.homogeneity.NAMED_INSTRUMENTS` (social safety).
    homogeneity: bool = False
    #: For a scale: its items' ids. For an item of a scored scale: that scale's id (its
    #: cells count only respondents with a valid score on it).
    items: tuple[str, ...] = ()
    scale: str | None = None


@dataclass
class SurveyContext:
    """A survey and an organisation tree (codes, names, parents).

    :func:`load_survey` gives the current tree, which open waves use; :meth:`at_wave` the
    tree a closed wave closed with (``trees``, by wave label), which every number of that
    wave is computed on: its results, heatmap, trend point, rates, comments, export and
    audit (issue 14, path 2).
    """

    definition: SurveyDefinition
    units: dict[str, UnitInfo]
    waves: list[WaveInfo]
    trees: dict[str, dict[str, UnitInfo]] = field(default_factory=dict)
    #: The label of the closed wave whose tree ``units`` is; None for the current tree.
    tree_of: str | None = None
    _at: dict[str | None, SurveyContext] = field(default_factory=dict, repr=False, compare=False)

    def at_wave(self, label: str) -> SurveyContext:
        """This survey with the tree wave ``label`` is shown with (NotFound: no such wave).

        A closed wave: the tree it closed with. An open wave: the current tree (changes to
        the tree apply to it until it closes).
        """
        info = self.wave(label)
        key = label if not info.is_open and label in self.trees else None
        if key == self.tree_of:
            return self
        if key not in self._at:
            if key is None:
                current = self._at.get(None)
                if current is None:  # only a wave's context lacks the current tree
                    raise NotFound(f"the current tree is not loaded with wave {self.tree_of!r}")
                return current
            self._at[key] = SurveyContext(
                self.definition, self.trees[key], self.waves, self.trees, key, self._at
            )
        return self._at[key]

    def __post_init__(self) -> None:
        if self.tree_of is None:
            self._at.setdefault(None, self)

    @cached_property
    def parent(self) -> dict[str, str | None]:
        return {code: info.parent_code for code, info in self.units.items()}

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {code: [] for code in self.units}
        for code, up in self.parent.items():
            if up is not None:
                out[up].append(code)
        for kids in out.values():
            kids.sort()
        return out

    def root(self, unit: str) -> str:
        while self.parent[unit] is not None:
            unit = self.parent[unit]  # type: ignore[assignment]
        return unit

    def wave(self, label: str) -> WaveInfo:
        for wave in self.waves:
            if wave.label == label:
                return wave
        raise NotFound(f"survey {self.definition.slug!r} has no wave {label!r}")

    def unit(self, code: str) -> UnitInfo:
        if code not in self.units:
            if self.tree_of is not None:
                raise NotFound(f"no unit {code!r} in the tree wave {self.tree_of!r} closed with")
            raise NotFound(f"no unit {code!r}")
        return self.units[code]


#: Per request (see :func:`request_memo`): loaded surveys and response counts.
_MEMO: contextvars.ContextVar[dict[tuple, Any] | None] = contextvars.ContextVar(
    "samen_results_memo", default=None
)


@contextmanager
def request_memo() -> Iterator[None]:
    """Within the block, load each survey and count each wave's responses once.

    A page that asks the service for results, heatmap, trend, rates and comments of one
    unit would otherwise read the survey, the organisation and the waves five times. Use
    it around the service calls of one request only: changes made inside the block by
    others are not seen until it ends.
    """
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(key: tuple, compute: Callable[[], Any]) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def load_survey(db: Database, slug: str) -> SurveyContext:
    """The survey ``slug`` with its waves and the organisation (NotFound when unknown).

    The current tree; :meth:`SurveyContext.at_wave` gives the tree of a closed wave.
    """

    def load() -> SurveyContext:
        definition = get_survey(db, slug)
        units = {info.code: info for info in list_units(db)}
        trees = {
            label: {info.code: info for info in tree}
            for label, tree in wave_trees(db, slug).items()
        }
        return SurveyContext(definition, units, list_waves(db, slug), trees)

    return _memo(("survey", db.url, slug), load)


def scale_id(definition: SurveyDefinition, instrument_id: str, scale: str) -> str:
    """``<instrument>.<scale>`` when the survey combines instruments, else the scale's id."""
    return f"{instrument_id}.{scale}" if len(definition.answer_instruments) > 1 else scale


@dataclass
class WaveData:
    """One wave's responses, their units, and the measures computed from them."""

    survey: SurveyContext
    wave: WaveInfo
    matrix: AnswerMatrix
    codes: list[str] = field(init=False)
    index: dict[str, int] = field(init=False)
    unit_pos: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.codes = sorted(self.survey.units)
        self.index = index = {code: i for i, code in enumerate(self.codes)}
        self.unit_pos = np.fromiter(
            (index.get(str(code), -1) for code in self.matrix.unit_codes),
            dtype=np.int64,
            count=self.matrix.n,
        )
        self._subtree: dict[str, np.ndarray] = {}
        self._profile_cache: dict[tuple[str, ...], tuple[np.ndarray, list[tuple]]] = {}
        #: Results derived from this wave's responses alone (organisation-wide release
        #: patterns, released cells, cell statistics), kept with the data: a closed wave's
        #: data is cached (:func:`load_wave`), so they are computed once per wave, not per
        #: request. Shared by :meth:`reuse`; see :mod:`webapp.results.release`.
        self.derived: dict[tuple, Any] = {}

    @classmethod
    def reuse(cls, cached: WaveData, survey: SurveyContext) -> WaveData:
        """``cached`` for a newly loaded ``survey`` context (unit names may have changed)."""
        data = cls.__new__(cls)
        data.__dict__.update(cached.__dict__)
        data.survey = survey
        return data

    @property
    def n(self) -> int:
        return self.matrix.n

    def in_subtree(self, unit: str) -> np.ndarray:
        """Boolean mask of the responses of ``unit`` and the units below it."""
        if unit not in self._subtree:
            members: set[str] = set()
            stack = [unit]
            while stack:
                code = stack.pop()
                members.add(code)
                stack.extend(self.survey.children[code])
            positions = np.array(sorted(self.index[c] for c in members), dtype=np.int64)
            self._subtree[unit] = np.isin(self.unit_pos, positions)
        return self._subtree[unit]

    def own_counts(self, mask: np.ndarray) -> dict[str, int]:
        """Responses in ``mask`` per unit (own direct members only)."""
        counts = np.bincount(self.unit_pos[mask & (self.unit_pos >= 0)], minlength=len(self.codes))
        return {code: int(counts[i]) for i, code in enumerate(self.codes)}

    def own_profiles(
        self, mask: np.ndarray, questions: tuple[str, ...]
    ) -> dict[str, dict[tuple[str | None, ...], int]]:
        """Responses in ``mask`` per unit and combination of answers to ``questions``."""
        profile_ids, profiles = self._profiles(questions)
        keep = mask & (self.unit_pos >= 0)
        n_profiles = len(profiles)
        counts = np.bincount(
            self.unit_pos[keep] * n_profiles + profile_ids[keep],
            minlength=len(self.codes) * n_profiles,
        ).reshape(len(self.codes), n_profiles)
        out: dict[str, dict[tuple[str | None, ...], int]] = {}
        for i, code in enumerate(self.codes):
            row = counts[i]
            out[code] = {profiles[j]: int(row[j]) for j in np.flatnonzero(row)}
        return out

    def _profiles(self, questions: tuple[str, ...]) -> tuple[np.ndarray, list[tuple]]:
        if questions not in self._profile_cache:
            self._profile_cache[questions] = self._make_profiles(questions)
        return self._profile_cache[questions]

    def _make_profiles(self, questions: tuple[str, ...]) -> tuple[np.ndarray, list[tuple]]:
        columns = [self.matrix.demographic_ids.index(q) for q in questions]
        block = self.matrix.demographics[:, columns] if columns else np.empty((self.n, 0))
        filled = np.where(np.isnan(block), -1.0, block)
        if self.n == 0:
            return np.zeros(0, dtype=np.int64), [()]
        unique, inverse = np.unique(filled, axis=0, return_inverse=True)
        profiles = [tuple(None if v < 0 else str(int(v)) for v in row) for row in unique.tolist()]
        return inverse.reshape(-1).astype(np.int64), profiles

    def demographic(self, question: str) -> np.ndarray:
        """Answers to demographic question ``question`` (NaN when not answered)."""
        return self.matrix.demographics[:, self.matrix.demographic_ids.index(question)]

    @cached_property
    def measures(self) -> dict[str, Measure]:
        """The response count (``""``), every scored scale and every item, by id.

        :func:`webapp.results.measures.build_measures`: a scored scale and its items
        describe the same respondents.
        """
        from webapp.results.measures import build_measures

        return build_measures(self.survey.definition, self.matrix)


#: Closed waves kept in memory (answers and computed measures), most recent last.
CACHE_SIZE = 2
_CACHE: OrderedDict[tuple, WaveData] = OrderedDict()
_LOCK = threading.Lock()
#: A lock per cache key while its wave is being loaded: a second caller (a page request
#: while :mod:`webapp.results.warm` loads the same wave) waits for the first's data instead
#: of loading and scoring the wave a second time.
_LOADING: dict[tuple, threading.Lock] = {}


def _after_fork() -> None:
    """In a forked child (gunicorn ``--preload``): locks held by a thread that did not fork."""
    global _LOCK
    _LOCK = threading.Lock()
    _LOADING.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _cached(key: tuple, survey: SurveyContext) -> WaveData | None:
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is not None and cached.survey.definition == survey.definition:
        return WaveData.reuse(cached, survey)
    return None


def load_wave(db: Database, survey: SurveyContext, label: str) -> WaveData:
    """The responses of wave ``label`` (NotFound when the survey has no such wave).

    A closed wave's responses change only by a purge or an import, so its data (with the
    scale scores) is kept for the next request of the same wave: the key holds the wave's
    dates, its response count and the organisation tree, so any such change loads afresh.
    Open waves are always loaded. The data's ``survey`` is ``survey.at_wave(label)``: a
    closed wave is computed on the tree it closed with, never on a later one; that tree is
    part of the key all the same (it never changes once stored).

    Threads (a request while :func:`webapp.results.warm.warm` runs): the wave is loaded
    once per key, a concurrent caller waits for it; it is published in the cache only
    after its measures are scored, so every copy made by :meth:`WaveData.reuse` shares the
    same measures and the same ``derived`` dict. Entries of ``derived`` are each computed
    from the wave alone and written with a single assignment, so a concurrent reader sees
    either nothing (and computes the same value) or the whole value.
    """
    survey = survey.at_wave(label)
    wave = survey.wave(label)
    slug = survey.definition.slug
    if wave.is_open:
        return WaveData(survey, wave, load_answers(db, slug, label))
    key = (
        db.url,
        slug,
        label,
        wave.closed_on,
        wave.purged_on,
        _memo(("count", db.url, slug, label), lambda: count_responses(db, slug, label)),
        survey.tree_of,
        tuple(sorted((c, u.parent_code) for c, u in survey.units.items())),
    )
    found = _cached(key, survey)
    if found is not None:
        return found
    with _LOCK:
        loading = _LOADING.setdefault(key, threading.Lock())
    try:
        with loading:
            found = _cached(key, survey)  # loaded by another thread while this one waited
            if found is not None:
                return found
            data = WaveData(survey, wave, load_answers(db, slug, label))
            data.measures  # noqa: B018  (scored before it is shared: see above)
            with _LOCK:
                _CACHE[key] = data
                while len(_CACHE) > CACHE_SIZE:
                    _CACHE.popitem(last=False)
            return data
    finally:
        with _LOCK:
            if _LOADING.get(key) is loading:
                del _LOADING[key]


def responses_by_unit(db: Database, survey: SurveyContext, label: str) -> dict[str, int]:
    """:func:`surveys.responses.count_by_unit`: from the cached data when the wave is closed."""
    if survey.wave(label).is_open:
        return count_by_unit(db, survey.definition.slug, label)
    data = load_wave(db, survey, label)
    found = data.derived.get(("responses by unit",))
    if found is None:
        everyone = np.ones(data.n, dtype=bool)
        found = {code: n for code, n in data.own_counts(everyone).items() if n}
        data.derived[("responses by unit",)] = found
    return dict(found)
