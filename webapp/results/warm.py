"""Fill the results service's caches before the first visitor asks (issue 5).

A closed wave's data and everything derived from its responses alone are kept in memory
(:func:`webapp.results.data.load_wave`): warm, a dashboard page costs about 0.1 s of CPU
with 100,000 responses. The first request after a worker starts would pay for loading and
scoring the wave and for the suppression pattern of every measure (seconds). :func:`warm`
does that work ahead, by asking the same service functions a page asks, for the root of the
organisation as an admin would: the patterns are computed for the whole organisation and
only restricted to each caller's scope afterwards, so every later caller, whatever their
role or unit, finds them computed; then for each unit with a manager account (its cells'
statistics and trust figures). Nothing is shown to anyone: the answers are dropped.

:func:`start` runs :func:`warm` in a daemon thread when the app is created (the dashboard
blueprint's ``record_once``). Setting ``SAMEN_WARM_CACHE`` (app config, else the
environment variable of that name: ``0``, ``false``, ``no`` or ``off`` switch it off) is on
by default and off when testing (tests stay deterministic and call :func:`warm` directly)
or debugging (the reloader creates the app twice).

Workers
-------
Each process has its own cache. With gunicorn as the README runs it (``gunicorn --workers
4 'webapp:create_app()'``, no ``--preload``) every worker creates the app after the fork
and warms its own copy in its own thread: each pays the CPU once at start (about 11 s per
wave of 100,000 responses and 295 units, plus about 0.5 s per unit with a manager) and
holds the data (about 370 MB per such wave). This is what we recommend with a few workers:
it needs nothing else, and a request that arrives during the warm-up waits no longer than
it would have without it (a wave is loaded once, see :func:`webapp.results.data.load_wave`,
and every pattern the thread has finished is used), though the thread competes with it for
the CPU.

``--preload`` creates the app once in the master before the fork. Threads do not survive a
fork, so the thread :func:`start` would begin there warms only the master, and each worker
inherits whatever was finished at the moment of the fork (the cache's locks are reset and
the database connections the thread opened are dropped in the child, so nothing hangs and
no connection is shared). A cache filled *before* the fork is shared copy-on-write
(the answer matrices are numpy buffers that reference counting does not touch), which
saves memory and warms all workers at once; to get that, switch the thread off and warm
synchronously in gunicorn's ``when_ready`` hook, which runs in the master after the app is
loaded and before the workers are forked (recommended when memory is short or there are
many workers; the CPU is then spent once, not once per worker)::

    # gunicorn.conf.py (with SAMEN_WARM_CACHE=0 in the environment)
    preload_app = True

    def when_ready(server):
        from webapp.results.warm import warm_before_fork
        warm_before_fork(server.app.wsgi())

The workers then start only after the warm-up. Either way a wave closed later (``samen
wave close`` runs in its own process) is loaded by the first request that asks for it in
each worker, or warmed by restarting the workers (``kill -HUP`` of the gunicorn master).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

from surveys.db import Database
from surveys.survey_store import list_surveys
from surveys.users import UserInfo, list_users
from webapp.results.data import CACHE_SIZE, load_survey, request_memo
from webapp.results.rates import response_rate
from webapp.results.release import filter_question
from webapp.results.service import heatmap, trend, unit_results

__all__ = ["CONFIG_KEY", "enabled", "start", "warm", "warm_before_fork", "waves_to_warm"]

logger = logging.getLogger(__name__)

#: The app config key (and environment variable) that switches the warm-up thread on or off.
CONFIG_KEY = "SAMEN_WARM_CACHE"

#: The caller :func:`warm` asks as: every unit in scope, so nothing is restricted away.
WARMER = UserInfo(email="cache-warm-up", role="admin", unit_code=None, session_key="")

_OFF = ("0", "false", "no", "off")


def enabled(config: Any) -> bool:
    """Whether the app with ``config`` warms its caches at start (see the module docstring)."""
    if CONFIG_KEY in config:
        value = config[CONFIG_KEY]
        return str(value).strip().lower() not in _OFF if isinstance(value, str) else bool(value)
    if os.environ.get(CONFIG_KEY):
        return os.environ[CONFIG_KEY].strip().lower() not in _OFF
    return not (config.get("TESTING") or config.get("DEBUG"))


def waves_to_warm(db: Database) -> list[tuple[str, str]]:
    """``(survey, wave)`` of the closed waves the cache keeps, least recent first.

    The most recent closed wave of each survey and the one before it (the page of the
    latest wave also shows the trend over the earlier ones), at most
    :data:`webapp.results.data.CACHE_SIZE` in all: the cache holds that many waves of all
    surveys together, so warming more would push out what was just warmed. Waves are
    ordered as the dashboard orders them (opening date, label).
    """
    found = []
    for definition in list_surveys(db):
        context = load_survey(db, definition.slug)
        closed = [w for w in context.waves if not w.is_open]
        closed.sort(key=lambda w: (w.opened_on, w.label))
        found.extend(closed[-CACHE_SIZE:])
    found.sort(key=lambda w: (w.opened_on, w.survey, w.label))
    return [(w.survey, w.label) for w in found[-CACHE_SIZE:]]


def warm(db: Database) -> list[tuple[str, str]]:
    """Load and compute, for every wave of :func:`waves_to_warm`, what a page needs.

    First, wave by wave, for each root unit of the organisation, as an admin, unfiltered
    and under each answer of the survey's filter question
    (:func:`webapp.results.filter_question`): the unit's results (the release pattern and
    the released cells of every measure, organisation-wide, and the statistics and trust
    figures of the root's cells), its heatmap (the cells of the units below it) and the
    trend (the survey's other closed waves); unfiltered also the response rates (responses
    per unit). Then, latest wave first, the results and heatmap of each unit that has a
    manager account (the statistics and trust figures of the unit's own cells: omega alone
    costs about 10 ms per scale and unit, too much to leave to the manager's first page).
    Each is a call of the function a page calls.

    Errors never escape: a wave that fails is logged in one line with the survey's slug,
    the wave's label and the exception's class (no unit, count, date or message, which
    could carry them) and the other waves are warmed. Returns the waves warmed without
    error.
    """
    try:
        waves = waves_to_warm(db)
    except Exception as exc:
        logger.warning("results cache: could not list the waves to warm (%s)", _name(exc))
        return []
    failed: set[tuple[str, str]] = set()
    for step, order in ((_warm_organisation, waves), (_warm_managed_units, waves[::-1])):
        for slug, label in order:
            if (slug, label) in failed:
                continue
            try:
                step(db, slug, label)
            except Exception as exc:
                failed.add((slug, label))
                logger.warning(
                    "results cache: warming survey %s wave %s failed (%s)",
                    slug,
                    label,
                    _name(exc),
                )
    done = [wave for wave in waves if wave not in failed]
    for slug, label in done:
        logger.info("results cache: warmed survey %s wave %s", slug, label)
    return done


def _warm_organisation(db: Database, slug: str, label: str) -> None:
    with request_memo():
        survey = load_survey(db, slug).at_wave(label)  # the tree the wave closed with
        question = filter_question(survey.definition)
        codes = survey.definition.item(question).response_scale.points if question else ()
        filters = [None, *(f"{question}:{code}" for code in codes)]
        roots = sorted(code for code, up in survey.parent.items() if up is None)
        for root in roots:
            response_rate(db, slug, label, root, WARMER)
            for where in filters:
                unit_results(db, slug, label, root, WARMER, filter=where)
                heatmap(db, slug, label, root, WARMER, filter=where)
                trend(db, slug, root, WARMER, filter=where)


def _warm_managed_units(db: Database, slug: str, label: str) -> None:
    with request_memo():
        survey = load_survey(db, slug).at_wave(label)  # the tree the wave closed with
        managed = {
            user.unit_code
            for user in list_users(db)
            if user.role == "manager" and user.unit_code in survey.units
        }
        for unit in sorted(managed):
            unit_results(db, slug, label, unit, WARMER)
            heatmap(db, slug, label, unit, WARMER)


def _name(exc: BaseException) -> str:
    return type(exc).__name__


def start(app: Any) -> threading.Thread | None:
    """Run :func:`warm` on the app's database in a daemon thread, if :func:`enabled`.

    Returns the thread, also kept as ``app.extensions["samen_warm_cache"]`` (join it to wait
    for the warm-up), or None when switched off.
    """
    if not enabled(app.config):
        return None
    db = app.extensions["samen_db"]
    _WARMED.add(db)
    thread = threading.Thread(target=warm, args=(db,), name="samen-warm-cache", daemon=True)
    app.extensions["samen_warm_cache"] = thread
    thread.start()
    return thread


#: Databases a warm-up thread uses: a forked child must not share their pooled connections.
_WARMED: weakref.WeakSet[Database] = weakref.WeakSet()


def _after_fork() -> None:
    for db in list(_WARMED):
        db.engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def warm_before_fork(app: Any) -> list[tuple[str, str]]:
    """:func:`warm` in this thread, then close the pooled connections (gunicorn --preload).

    Connections opened in the master must not be shared by the forked workers; the caches
    are, copy-on-write.
    """
    db = app.extensions["samen_db"]
    try:
        return warm(db)
    finally:
        db.dispose()
