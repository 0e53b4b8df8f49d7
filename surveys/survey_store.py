"""Survey definitions: read a survey YAML file, store it, get it back.

A survey file names its instruments by built-in id or by path (relative to the survey file).
:func:`create_survey` stores the settings *and the text of every instrument file* in the
database, so editing or upgrading an instrument file later never changes a running survey.

Format (surveys/examples/hospital.yaml is a complete example)::

    id: hospital-2026                  # slug: [a-z0-9][a-z0-9_-]*
    title: {nl: ..., en: ...}
    organisation: {nl: ..., en: ...}   # who runs the survey
    description: {nl: ..., en: ...}    # optional
    languages: [nl, en]
    instruments: [belonging, authenticity, my/own_scale.yaml]
    modules:                           # optional
      demographics: true               # true = built-in; or an instrument id or path
      unwanted_behaviour: true
      open_comments: true
    min_group_size: 5                  # k; default 5, never below 3
    comment_threshold: 10              # writers (people who wrote a comment) a group needs for
                                       # its comments to be shown; default 10, at least k
    retention_days: 730                # default 730
    release: closed                    # closed (the only policy; 'steps' is refused)
    open_link: false                   # one shared link where respondents pick their unit
    open_link_limit: 1                 # submissions per browser through the open link
    open_link_k: 10                    # responses a group needs when the survey has an open
                                       # link; default max(2 * min_group_size, 10), at least k
    privacy_contact: {nl: ..., en: ...}  # or one string for all languages
    filter_question: dem_gender        # optional: the one demographic question results may
                                       # be filtered by (default: dem_gender, else the first)
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, select

from instruments import (
    Instrument,
    InstrumentError,
    check_survey_instruments,
    load_any,
    parse_instrument,
)
from surveys.db import Database
from surveys.errors import InputError, NotFound, SamenError
from surveys.models import SurveyRow
from surveys.survey_definition import MODULES, RELEASES, STEPS_REFUSED, SurveyDefinition

__all__ = [
    "CACHE_SIZE",
    "SurveyDefinition",
    "create_survey",
    "get_survey",
    "list_surveys",
    "load_survey_file",
]

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2}(-[A-Za-z]{2})?")
FORMAT_VERSION = 1
KEYS = {
    "id",
    "title",
    "organisation",
    "description",
    "languages",
    "instruments",
    "modules",
    "min_group_size",
    "comment_threshold",
    "retention_days",
    "release",
    "open_link",
    "open_link_limit",
    "open_link_k",
    "privacy_contact",
    "filter_question",
}


#: Settings a survey file may leave out, and the value each then gets (``surveys.editing``
#: compares an omitted setting equal to its default with the same table).
DEFAULTS: dict[str, Any] = {
    "modules": {},
    "min_group_size": 5,
    "comment_threshold": 10,
    "retention_days": 730,
    "release": "closed",
    "open_link": False,
    "open_link_limit": 1,
}


def load_survey_file(path: str | os.PathLike[str]) -> SurveyDefinition:
    """Read and validate a survey file; every problem is reported at once.

    Raises
    ------
    InputError
        Naming the file and listing each problem (``FILE: key: message``), instrument problems
        included.
    """
    data, sources, problems = _read(path)
    return _build(data, sources, problems)


def create_survey(db: Database, path: str | os.PathLike[str]) -> str:
    """Validate the survey file at ``path``, store it and return its slug.

    Raises
    ------
    InputError
        When the file is invalid.
    SamenError
        When a survey with that slug exists already.
    """
    data, sources, problems = _read(path)
    definition = _build(data, sources, problems)
    stored = _dump(data, sources)
    with db.session(write=True) as session:
        exists = session.scalar(select(SurveyRow.id).where(SurveyRow.slug == definition.slug))
        if exists is not None:
            raise SamenError(f"survey {definition.slug!r} exists already; pick another id")
        row = SurveyRow(slug=definition.slug, definition=stored)
        if definition.open_link:
            import secrets

            row.open_token = secrets.token_urlsafe(24)
        session.add(row)
    return definition.slug


#: Surveys whose parsed definition each process keeps (least recently used beyond it).
CACHE_SIZE = 64
_CACHE: OrderedDict[tuple[str, str], tuple[tuple[int, int], SurveyDefinition]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
#: The cached copy's check: the row's id and its revision (drawn by a database trigger
#: whenever the definition is written; migration surv01).
_VERSION = "SELECT id, revision FROM surveys WHERE slug = :slug"
_STORED = select(SurveyRow.id, SurveyRow.revision, SurveyRow.definition).where(
    SurveyRow.slug == bindparam("slug")
)


def get_survey(db: Database, slug: str) -> SurveyDefinition:
    """The stored definition of survey ``slug`` (NotFound when there is none).

    Each process keeps the parsed definitions of the last :data:`CACHE_SIZE` surveys it
    served, keyed by database and slug, and checks them on every call against the row's id
    and revision: a random number the database draws whenever the stored text is written
    (by ``samen survey update``, the console, a consent or by hand; a survey removed and
    created again under the same slug gets a new one too). So a changed survey is parsed
    afresh in every worker, and otherwise one small read (``Database.read_first``, some
    30 microseconds on SQLite) replaces reading and parsing the stored text.
    """
    found = db.read_first(_VERSION, {"slug": slug})
    if found is None:
        raise NotFound(f"no survey {slug!r}")
    key = (db.url, slug)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == (int(found[0]), int(found[1])):
            _CACHE.move_to_end(key)
            return cached[1]
    # Text and revision read together, so a change between the two reads is not cached
    # under the older revision.
    with db.engine.connect() as connection:
        row = connection.execute(_STORED, {"slug": slug}).first()
    if row is None:
        raise NotFound(f"no survey {slug!r}")
    definition = _parse_stored(str(row[2]))
    with _CACHE_LOCK:
        _CACHE[key] = ((int(row[0]), int(row[1])), definition)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return definition


def list_surveys(db: Database) -> list[SurveyDefinition]:
    """All surveys, by slug."""
    with db.session() as session:
        rows = session.scalars(select(SurveyRow.definition).order_by(SurveyRow.slug)).all()
    return [_parse_stored(stored) for stored in rows]


# -- reading -------------------------------------------------------------------------------


def _read(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], list[tuple[str, str, str]], list[str]]:
    """The YAML mapping, (role, ref, instrument text) per instrument it names, problems."""
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise InputError(f"{name}: not valid YAML{where}{detail}") from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: a survey file is a mapping of settings (id, title, ...)")
    problems: list[str] = []
    unknown = sorted(str(key) for key in data if key not in KEYS)
    problems += [f"{name}: {key}: unknown setting" for key in unknown]
    refs: list[tuple[str, str]] = []
    instruments = data.get("instruments")
    if not isinstance(instruments, list) or not instruments:
        problems.append(f"{name}: instruments: a non-empty list of instrument ids or paths")
        instruments = []
    refs += [("core", str(ref)) for ref in instruments]
    modules = data.get("modules") or {}
    if not isinstance(modules, dict):
        problems.append(f"{name}: modules: a mapping such as {{demographics: true}}")
        modules = {}
    for module, value in modules.items():
        if module not in MODULES:
            problems.append(f"{name}: modules.{module}: unknown module ({', '.join(MODULES)})")
        elif module != "open_comments" and value:
            refs.append((module, module if value is True else str(value)))
        elif not isinstance(value, bool):
            problems.append(f"{name}: modules.{module}: true or false")
    sources: list[tuple[str, str, str]] = []
    folder = Path(path).resolve().parent
    for role, ref in refs:
        try:
            instrument = _load_ref(ref, folder)
            if instrument.path is None:
                raise SamenError(f"{name}: instrument {ref!r} has no file")
            sources.append((role, ref, Path(instrument.path).read_text(encoding="utf-8")))
        except InstrumentError as exc:
            key = "instruments" if role == "core" else f"modules.{role}"
            problems += [f"{name}: {key}: {problem}" for problem in exc.problems]
    return dict(data, _file=name), sources, problems


def _load_ref(ref: str, folder: Path) -> Instrument:
    candidate = folder / ref
    if ("/" in ref or ref.endswith((".yaml", ".yml"))) and candidate.is_file():
        return load_any(candidate)
    return load_any(ref)


def _summary(name: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{name}: {len(problems)} problems, first: {problems[0].removeprefix(name + ': ')}"


# -- building --------------------------------------------------------------------------------


def _build(
    data: dict[str, Any], sources: list[tuple[str, str, str]], problems: list[str] | None = None
) -> SurveyDefinition:
    name = str(data.get("_file", "<survey>"))
    problems = list(problems or [])

    def problem(key: str, message: str) -> None:
        problems.append(f"{name}: {key}: {message}")

    slug = data.get("id")
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        problem("id", "a slug of lower-case letters, digits, '-' and '_' (e.g. hospital-2026)")
        slug = "invalid"
    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(lang, str) and LANGUAGE.fullmatch(lang) for lang in languages)
    ):
        problem("languages", "a list of language codes such as [nl, en]")
        languages = ["nl"]
    elif len(set(languages)) != len(languages):
        problem("languages", "a language is listed twice")
    langs = tuple(languages)

    def texts(key: str, required: bool) -> dict[str, str] | None:
        value = data.get(key)
        if value is None:
            if required:
                problem(key, f"missing (give a text per language: {', '.join(langs)})")
            return None
        if isinstance(value, str) and key == "privacy_contact":
            return {lang: value for lang in langs}
        if not isinstance(value, dict):
            problem(key, f"a text per language ({', '.join(langs)})")
            return None
        missing = [lang for lang in langs if not isinstance(value.get(lang), str)]
        if missing:
            problem(key, f"missing text for {', '.join(repr(lang) for lang in missing)}")
        return {str(k): str(v) for k, v in value.items()}

    title = texts("title", True) or {}
    organisation = texts("organisation", True) or {}
    description = texts("description", False)
    privacy_contact = texts("privacy_contact", False)

    def integer(key: str, default: int, minimum: int, why: str) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            problem(key, f"a whole number, got {value!r}")
            return default
        if value < minimum:
            problem(key, f"{value} is below {minimum}: {why}")
            return default
        return value

    k = integer(
        "min_group_size", DEFAULTS["min_group_size"], 3, "Samen never shows groups smaller than 3"
    )
    comment_threshold = integer(
        "comment_threshold", DEFAULTS["comment_threshold"], k, "comments need at least k people"
    )
    retention = integer(
        "retention_days", DEFAULTS["retention_days"], 1, "keep responses at least a day"
    )
    open_limit = integer(
        "open_link_limit", DEFAULTS["open_link_limit"], 1, "allow at least one submission"
    )
    open_k = integer(
        "open_link_k",
        max(2 * k, 10),
        k,
        f"anyone with the open link can add answers, so open-link results need at least "
        f"min_group_size ({k}) responses",
    )
    release = data.get("release", DEFAULTS["release"])
    if release == "steps":
        problem("release", STEPS_REFUSED)
        release = "closed"
    elif release not in RELEASES:
        problem("release", f"one of {', '.join(RELEASES)}, got {release!r}")
        release = "closed"
    open_link = data.get("open_link", DEFAULTS["open_link"])
    if not isinstance(open_link, bool):
        problem("open_link", "true or false")
        open_link = False
    modules = data.get("modules") or {}
    enabled = tuple(m for m in MODULES if isinstance(modules, dict) and modules.get(m))

    instruments: list[Instrument] = []
    demographics_id = None
    for role, ref, text in sources:
        try:
            instrument = _parse_instrument(text, ref)
        except InstrumentError as exc:
            problems += [f"{name}: instruments: {p}" for p in exc.problems]
            continue
        missing = [lang for lang in langs if lang not in instrument.languages]
        if missing:
            problem("instruments", f"{ref!r} has no {', '.join(missing)} version")
        if role == "demographics":
            demographics_id = instrument.id
        instruments.append(instrument)
    # Demographics come last: the respondent answers the survey's questions first.
    instruments.sort(key=lambda i: i.id == demographics_id)
    try:
        check_survey_instruments(instruments)
    except InstrumentError as exc:
        problems += [f"{name}: instruments: {p}" for p in exc.problems]
    filter_question = data.get("filter_question")
    if filter_question is not None:
        questions = [item.id for i in instruments if i.id == demographics_id for item in i.items]
        if not questions:
            problem("filter_question", "needs the demographics module (modules: demographics)")
        elif filter_question not in questions:
            problem(
                "filter_question",
                f"{filter_question!r} is not a demographic question ({', '.join(questions)})",
            )
    if problems:
        raise InputError(_summary(name, problems), problems)
    return SurveyDefinition(
        slug=slug,
        title=title,
        organisation=organisation,
        languages=langs,
        instruments=tuple(instruments),
        modules=enabled,
        min_group_size=k,
        comment_threshold=comment_threshold,
        retention_days=retention,
        open_link=open_link,
        open_link_limit=open_limit,
        open_link_k=open_k,
        release=release,
        privacy_contact=privacy_contact,
        description=description,
        demographics_id=demographics_id,
        filter_question=filter_question if isinstance(filter_question, str) else None,
    )


@lru_cache(maxsize=256)
def _parse_instrument(text: str, ref: str) -> Instrument:
    return parse_instrument(text, ref)


# -- storing ---------------------------------------------------------------------------------


def _dump(data: dict[str, Any], sources: list[tuple[str, str, str]]) -> str:
    settings = {key: value for key, value in data.items() if key in KEYS}
    instruments = [{"role": role, "ref": ref, "source": text} for role, ref, text in sources]
    stored = {"format": FORMAT_VERSION, "settings": settings, "instruments": instruments}
    return json.dumps(stored, ensure_ascii=False, sort_keys=True, default=str)


@lru_cache(maxsize=64)
def _parse_stored(stored: str) -> SurveyDefinition:
    document = json.loads(stored)
    if document.get("format") != FORMAT_VERSION:
        raise SamenError(f"stored survey has unknown format {document.get('format')!r}")
    sources = [(i["role"], i["ref"], i["source"]) for i in document["instruments"]]
    settings = dict(document["settings"], _file=f"<stored survey {document['settings']['id']}>")
    return _build(settings, sources)
