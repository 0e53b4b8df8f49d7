"""CPU time of one respondent page, in process (not part of the test suite).

Builds a fresh SQLite database (or ``--pg URL``, an empty PostgreSQL database) with the
example survey (``surveys/examples/hospital.yaml``), an open wave and one invitation, makes
the application as gunicorn would (``create_app()``, CSRF on), starts the invitation with the
Flask test client, goes past the consent to the first question page and then measures
``--repeat`` GETs of that page and ``--repeat`` POSTs of its answers (``nav=stay``: saved,
then redirected back to the same page). It prints the process CPU time per request
(``time.process_time``: user + system of this process, so the figure does not depend on what
else the machine runs) and, with ``--profile``, the functions that cost most (cProfile,
cumulative and own time). With ``--questionnaires N`` it also answers N whole questionnaires
as benchmarks/load.py's respondents do (landing page to thank-you page, some 40 requests
each) and prints the CPU per kind of request.

The figure includes the test client's own work (building the WSGI environ, reading the
response), about 0.1-0.2 ms per request that gunicorn's request parsing replaces.

    python benchmarks/respond_cpu.py
    python benchmarks/respond_cpu.py --repeat 500 --profile
    python benchmarks/respond_cpu.py --questionnaires 20
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOSPITAL = ROOT / "surveys" / "examples" / "hospital.yaml"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_RADIO = re.compile(r'<input[^>]*type="radio"[^>]*name="([^"]+)"[^>]*value="([^"]+)"')
_START = re.compile(r'<a class="button primary" href="([^"]+)"')


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def prepare(url: str, invitations: int = 1) -> list[str]:
    """Migrate ``url``, add two units, create the example survey with an open wave; return
    ``invitations`` invitation tokens."""
    from surveys.db import Database
    from surveys.invitations import issue_invitations
    from surveys.models import Unit
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    db = Database(url)
    db.upgrade()
    with db.session(write=True) as session:
        root = Unit(code="hospital", name="City Hospital")
        session.add(root)
        session.flush()
        session.add(Unit(code="ward-a", name="Ward A", parent_id=root.id))
    slug = create_survey(db, HOSPITAL)
    open_wave(db, slug, "2026-1")
    tokens = issue_invitations(db, slug, "ward-a", invitations)
    db.dispose()
    return tokens


def first_page(client: Any, token: str) -> tuple[str, dict[str, str]]:
    """Start ``token`` and go to the first question page; its path and a form answering it."""
    headers = {"Accept-Language": "nl"}
    html = client.get(f"/s/{token}", headers=headers).get_data(as_text=True)
    started = client.post(f"/s/{token}", data={"csrf_token": _csrf(html)}, headers=headers)
    if started.status_code != 303:
        raise SystemExit(f"Start gave {started.status_code}")
    html = client.get("/survey", headers=headers).get_data(as_text=True)
    found = _START.search(html)
    if found is None:
        raise SystemExit("no start button on the welcome page")
    path = found.group(1)
    if path.startswith("/survey/consent"):
        html = client.get(path, headers=headers).get_data(as_text=True)
        moved = client.post(path, data={"csrf_token": _csrf(html), "nav": "yes"})
        path = moved.headers["Location"]
    html = client.get(path, headers=headers).get_data(as_text=True)
    form = {"csrf_token": _csrf(html), "nav": "stay"}
    for name, value in _RADIO.findall(html):
        form.setdefault(name, value)
    return path, form


def measure(client: Any, path: str, form: dict[str, str], repeat: int) -> tuple[float, float]:
    """Process CPU ms per GET of ``path`` and per POST of ``form`` to it."""
    headers = {"Accept-Language": "nl"}
    for _ in range(20):  # warm: templates compiled, caches filled
        client.get(path, headers=headers)
        client.post(path, data=form, headers=headers)
    began = time.process_time()
    for _ in range(repeat):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET gave {response.status_code}")
    middle = time.process_time()
    for _ in range(repeat):
        response = client.post(path, data=form, headers=headers)
        if response.status_code != 303:
            raise SystemExit(f"POST gave {response.status_code}")
    after = time.process_time()
    return 1000 * (middle - began) / repeat, 1000 * (after - middle) / repeat


def profile(client: Any, path: str, form: dict[str, str], repeat: int, top: int) -> None:
    """Print cProfile's most expensive functions over ``repeat`` GETs and POSTs."""
    headers = {"Accept-Language": "nl"}
    for method in ("GET", "POST"):
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(repeat):
            if method == "GET":
                client.get(path, headers=headers)
            else:
                client.post(path, data=form, headers=headers)
        profiler.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(top)
            print(f"\n== {method} x {repeat}, by {order} ==")
            print(out.getvalue().split("\n", 6)[-1])


class _Browser:
    """benchmarks/load.py's simulated browser over the Flask test client: the same
    ``request`` and ``expect``, and the process CPU of each request by its kind of step."""

    def __init__(
        self,
        client: Any,
        cpu: dict[str, list[float]],
        tally: Any,
        profiles: dict[str, cProfile.Profile] | None = None,
    ) -> None:
        import threading

        self.client, self.cpu, self.profiles = client, cpu, profiles
        self.tally, self.lock = tally, threading.Lock()

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, send: bool = False
    ) -> tuple[int, str, str]:
        kind = method + " " + re.sub(r"/(s|q)/[^/?]+", r"/\1/*", path.split("?")[0])
        profiler = None if self.profiles is None else self.profiles.get(kind)
        began = time.process_time()
        if profiler is not None:
            profiler.enable()
        response = self.client.open(
            path, method=method, data=form, headers={"Accept-Language": "nl"}
        )
        text = response.get_data(as_text=True)
        if profiler is not None:
            profiler.disable()
        self.cpu.setdefault(kind, []).append(time.process_time() - began)
        return response.status_code, text, response.headers.get("Location", "")

    def expect(self, method: str, path: str, status: int, **kwargs: Any) -> tuple[str, str]:
        code, text, where = self.request(method, path, **kwargs)
        if code != status:
            raise SystemExit(f"{method} {path}: {code} (expected {status})")
        return text, where


def flow(
    client_factory: Any, tokens: list[str], profile_kinds: list[str] | None = None, top: int = 25
) -> None:
    """Answer a questionnaire per token; print the process CPU per kind of request, and
    cProfile's top functions for each kind in ``profile_kinds`` (e.g. ``GET /survey/review``)."""
    import importlib.util
    import random

    spec = importlib.util.spec_from_file_location("samen_load", Path(__file__).parent / "load.py")
    assert spec is not None and spec.loader is not None
    load = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = load  # dataclasses look their module up
    spec.loader.exec_module(load)
    cpu: dict[str, list[float]] = {}
    rng = random.Random(1)
    began = time.process_time()
    profiles = {kind: cProfile.Profile() for kind in profile_kinds or []}
    for token in tokens:
        browser = _Browser(client_factory(), cpu, load.Tally(), profiles)
        load.answer_questionnaire(browser, token, rng)
    total = time.process_time() - began
    requests = sum(len(times) for times in cpu.values())
    print(
        f"\n{len(tokens)} questionnaires, {requests} requests: process CPU "
        f"{1000 * total / requests:.2f} ms per request, {1000 * total / len(tokens):.0f} ms per "
        f"questionnaire"
    )
    for kind, times in sorted(cpu.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"  {kind:28} {len(times):5} x {1000 * sum(times) / len(times):6.2f} ms = "
            f"{100 * sum(times) / total:4.1f} %  (median {1000 * statistics.median(times):.2f} ms)"
        )
    for kind, profiler in profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        print(f"\n--- {kind}: cumulative ---")
        stats.sort_stats("cumulative").print_stats(top)
        print(f"\n--- {kind}: own time ---")
        stats.sort_stats("tottime").print_stats(top)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=500, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements (best is kept)")
    parser.add_argument("--pg", metavar="URL", help="an empty PostgreSQL database")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--questionnaires", type=int, default=0, help="whole questionnaires")
    parser.add_argument(
        "--profile-kind",
        action="append",
        default=[],
        help="with --questionnaires: profile this kind of request, e.g. 'GET /survey/review'",
    )
    args = parser.parse_args()
    import os

    with tempfile.TemporaryDirectory(prefix="samen-respond-cpu-") as tmp:
        url = args.pg or f"sqlite:///{Path(tmp) / 'samen.db'}"
        token, *others = prepare(url, 1 + args.questionnaires)
        os.environ["SAMEN_INSTANCE_PATH"] = tmp
        from webapp import create_app

        app = create_app(
            {
                "SAMEN_DATABASE_URL": url,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "SAMEN_WARM_CACHE": False,
            }
        )
        client = app.test_client()
        path, form = first_page(client, token)
        runs = [measure(client, path, form, args.repeat) for _ in range(args.rounds)]
        gets, posts = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
        print(
            f"{'PostgreSQL' if args.pg else 'SQLite'}, {path}, {args.repeat} requests x "
            f"{args.rounds} rounds, process CPU ms per request (best / median):\n"
            f"  GET  {gets[0]:.2f} / {gets[len(gets) // 2]:.2f}\n"
            f"  POST {posts[0]:.2f} / {posts[len(posts) // 2]:.2f}"
        )
        if args.profile:
            profile(client, path, form, args.repeat, args.top)
        if args.questionnaires:
            flow(app.test_client, others, args.profile_kind, args.top)
        app.extensions["samen_db"].dispose()


if __name__ == "__main__":
    main()
