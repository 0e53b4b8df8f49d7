"""Load benchmark of the respondent app through gunicorn (not part of the test suite).

Builds a fresh database (SQLite in a temporary folder, or a scratch PostgreSQL database that
is created and dropped again) with the example survey (``surveys/examples/hospital.yaml``),
an open wave and one invitation per simulated questionnaire, starts gunicorn with
``--workers`` sync workers (default 4) on it, and lets ``--clients`` simulated respondents
(default 32, in a few client processes) answer questionnaires concurrently: landing page,
Start, welcome, consent, every question page (GET, then POST of random answers), the comment,
the review, Send and the thank-you page -- what a browser without JavaScript does.

It prints completed questionnaires/s, requests/s, p50/p95/p99 latency per request and for
the final send, errors, the gunicorn workers' CPU time per request (user + system, from
/proc) and, measured afterwards by one client on its own, the server CPU per respondent page
(GET of a question page) and per page POST, and each worker's resident memory.

    python benchmarks/load.py                       # SQLite and PostgreSQL
    python benchmarks/load.py --db sqlite --clients 16 --per-client 4
    python benchmarks/load.py --db postgres --pg postgresql+psycopg://postgres@127.0.0.1:5432

Target (issue 15), on a 2-core machine: >= 30 completed questionnaires/s, p95 <= 150 ms per
request, 0 errors at 32 clients on both databases; server CPU per respondent page <= 2.5 ms.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOSPITAL = ROOT / "surveys" / "examples" / "hospital.yaml"
WAVE = "2026-1"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_START = re.compile(r'<a class="button primary" href="([^"]+)"')


# -- the simulated respondent ----------------------------------------------------------------


class HttpError(Exception):
    """An unexpected status from the server."""


@dataclass
class Tally:
    """What one client process saw."""

    latencies: list[float] = field(default_factory=list)
    sends: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    completed: int = 0


class Browser:
    """One respondent's cookies and requests (a new connection per request, like gunicorn's
    sync workers, which close after each response)."""

    def __init__(self, host: str, port: int, tally: Tally, lock: threading.Lock) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.tally, self.lock = tally, lock

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, send: bool = False
    ) -> tuple[int, str, str]:
        headers = {"Accept-Language": "nl"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        elapsed = time.perf_counter() - began
        with self.lock:
            self.tally.latencies.append(elapsed)
            if send:
                self.tally.sends.append(elapsed)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                pair, _, attrs = value.partition(";")
                name, _, content = pair.strip().partition("=")
                if not content or "1970" in attrs or "Max-Age=0" in attrs:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = content
        location = urlsplit(response.getheader("Location") or "")
        where = location.path + (f"?{location.query}" if location.query else "")
        return response.status, text, where

    def expect(self, method: str, path: str, status: int, **kwargs: object) -> tuple[str, str]:
        code, text, where = self.request(method, path, **kwargs)  # type: ignore[arg-type]
        if code != status:
            raise HttpError(f"{method} {path.split('?')[0][:20]}: {code} (expected {status})")
        return text, where


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise HttpError("no CSRF token")
    return found.group(1)


def _radios(html: str) -> dict[str, list[str]]:
    radios: dict[str, list[str]] = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "radio":
            radios.setdefault(attrs["name"], []).append(attrs["value"])
    return radios


def answer_questionnaire(browser: Browser, token: str, rng: random.Random) -> None:
    """One respondent from the invitation link to the thank-you page."""
    html, _ = browser.expect("GET", f"/s/{token}", 200)
    _, where = browser.expect("POST", f"/s/{token}", 303, form={"csrf_token": _csrf(html)})
    for _step in range(60):
        path = where.split("?")[0]
        if path == "/survey/thanks":
            browser.expect("GET", where, 200)
            with browser.lock:
                browser.tally.completed += 1
            return
        html, _ = browser.expect("GET", where, 200)
        if path == "/survey":
            found = _START.search(html)
            if found is None:
                raise HttpError("no start button on the welcome page")
            where = found.group(1)
            continue
        form = {"csrf_token": _csrf(html)}
        if path == "/survey/consent":
            form["nav"] = "yes"
        elif path.startswith("/survey/q/"):
            for name, values in _radios(html).items():
                if rng.random() < 0.95:
                    form[name] = rng.choice(values)
            form["nav"] = "next"
        elif path == "/survey/comment":
            form["comment"] = "Goed werk." if rng.random() < 0.3 else ""
            form["nav"] = "next"
        elif path == "/survey/review":
            _, where = browser.expect("POST", "/survey/send", 303, form=form, send=True)
            continue
        else:
            raise HttpError(f"unexpected step {path}")
        _, where = browser.expect("POST", where, 303, form=form)
    raise HttpError("no end after 60 steps")


def run_clients(
    host: str, port: int, token_lists: list[list[str]], seed: int
) -> tuple[list[float], list[float], list[str], int]:
    """One client process: a thread per list of tokens, each answering them in turn."""
    tally, lock = Tally(), threading.Lock()

    def client(tokens: list[str], number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        for token in tokens:
            try:
                answer_questionnaire(Browser(host, port, tally, lock), token, rng)
            except (HttpError, OSError, http.client.HTTPException) as exc:
                with lock:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=client, args=(tokens, n)) for n, tokens in enumerate(token_lists)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally.latencies, tally.sends, tally.errors, tally.completed


# -- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (ended processes count as nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def gunicorn(url: str, instance: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen]]:
    """gunicorn serving the app on ``url``; yields its port and process."""
    port = _free_port()
    env = dict(
        os.environ,
        SAMEN_DATABASE_URL=url,
        SAMEN_INSTANCE_PATH=str(instance),
        SAMEN_SECRET_KEY=secrets.token_urlsafe(32),
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "webapp:create_app()",
    ]
    log = open(instance / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn ended: {(instance / 'gunicorn.log').read_text()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/s/warming-up")
                connection.getresponse().read()
                connection.close()
                if len(_children(process.pid)) >= workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# -- the database ------------------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, folder: Path, pg: str) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file in ``folder`` or a new PostgreSQL database
    (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'samen.db'}"
        return
    import psycopg

    name = f"samen_load_{secrets.token_hex(4)}"
    admin = pg.replace("postgresql+psycopg://", "postgresql://").rstrip("/") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, invitations: int) -> list[str]:
    """Migrate, add a small organisation, create the example survey, open a wave and issue
    ``invitations`` links; returns their tokens."""
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
        session.add_all(
            [Unit(code=f"ward-{n}", name=f"Ward {n}", parent_id=root.id) for n in range(8)]
        )
    slug = create_survey(db, HOSPITAL)
    open_wave(db, slug, WAVE)
    tokens: list[str] = []
    per_unit = -(-invitations // 8)
    for n in range(8):
        tokens += issue_invitations(db, slug, f"ward-{n}", per_unit)
    db.dispose()
    random.Random(1).shuffle(tokens)
    return tokens[:invitations]


def count_responses(url: str) -> int:
    from surveys.db import Database
    from surveys.responses import count_responses as count

    db = Database(url)
    try:
        return count(db, "hospital-2026", WAVE)
    finally:
        db.dispose()


# -- measuring ---------------------------------------------------------------------------------


def _ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def page_cpu(port: int, workers: list[int], token: str, repeat: int) -> tuple[float, float]:
    """Server CPU ms per GET of a question page and per POST of one, by one client alone."""
    tally, lock = Tally(), threading.Lock()
    browser = Browser("127.0.0.1", port, tally, lock)
    html, _ = browser.expect("GET", f"/s/{token}", 200)
    browser.expect("POST", f"/s/{token}", 303, form={"csrf_token": _csrf(html)})
    html, _ = browser.expect("GET", "/survey", 200)
    found = _START.search(html)
    assert found is not None
    first = found.group(1)
    if first.startswith("/survey/consent"):
        html, _ = browser.expect("GET", first, 200)
        _, first = browser.expect(
            "POST", first, 303, form={"csrf_token": _csrf(html), "nav": "yes"}
        )
    html, _ = browser.expect("GET", first, 200)
    form = {"csrf_token": _csrf(html), "nav": "stay"}
    form.update({name: values[0] for name, values in _radios(html).items()})
    before = _cpu_seconds(workers)
    for _ in range(repeat):
        browser.expect("GET", first, 200)
    middle = _cpu_seconds(workers)
    for _ in range(repeat):
        browser.expect("POST", first, 303, form=form)
    after = _cpu_seconds(workers)
    return 1000 * (middle - before) / repeat, 1000 * (after - middle) / repeat


def run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    total = args.clients * args.per_client
    with tempfile.TemporaryDirectory(prefix="samen-load-") as tmp:
        folder = Path(tmp)
        with scratch_database(kind, folder, args.pg) as url:
            tokens = prepare(url, total + 1)
            probe, tokens = tokens[0], tokens[1:]
            with gunicorn(url, folder, args.workers) as (port, process):
                workers = _children(process.pid)
                lists = [
                    tokens[c * args.per_client : (c + 1) * args.per_client]
                    for c in range(args.clients)
                ]
                processes = min(args.client_processes, args.clients)
                shares = [lists[p::processes] for p in range(processes)]
                cpu_before = _cpu_seconds(workers)
                began = time.perf_counter()
                with concurrent.futures.ProcessPoolExecutor(processes) as pool:
                    futures = [
                        pool.submit(run_clients, "127.0.0.1", port, share, n)
                        for n, share in enumerate(shares)
                    ]
                    results = [f.result() for f in futures]
                elapsed = time.perf_counter() - began
                cpu = _cpu_seconds(workers) - cpu_before
                alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
                get_ms, post_ms = page_cpu(port, alive, probe, args.repeat)
                rss = [_rss_mb(pid) for pid in alive]
            stored = count_responses(url)
    latencies = [x for r in results for x in r[0]]
    sends = [x for r in results for x in r[1]]
    errors = [x for r in results for x in r[2]]
    completed = sum(r[3] for r in results)
    figures = {
        "questionnaires/s": completed / elapsed,
        "requests/s": len(latencies) / elapsed,
        "p50 ms": _ms(latencies, 0.50),
        "p95 ms": _ms(latencies, 0.95),
        "p99 ms": _ms(latencies, 0.99),
        "send p50 ms": _ms(sends, 0.50),
        "send p95 ms": _ms(sends, 0.95),
        "send p99 ms": _ms(sends, 0.99),
        "errors": float(len(errors)),
        "server CPU ms/request": 1000 * cpu / max(len(latencies), 1),
        "server CPU ms/page GET": get_ms,
        "server CPU ms/page POST": post_ms,
        "worker RSS MB (max)": max(rss) if rss else float("nan"),
    }
    print(
        f"\n== {kind}: {args.clients} clients x {args.per_client} questionnaires, "
        f"{args.workers} gunicorn workers; {completed} completed, {stored} stored, "
        f"{len(latencies)} requests in {elapsed:.1f} s"
    )
    for name, value in figures.items():
        print(f"  {name:26} {value:9.1f}")
    if errors:
        print("  first errors:", *sorted(set(errors))[:5], sep="\n    ")
    if stored != completed:
        print(f"  MISMATCH: {completed} acknowledged, {stored} stored")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--per-client", type=int, default=6, help="questionnaires per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=300, help="requests per CPU probe")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (no database)")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        run(kind, args)


if __name__ == "__main__":
    main()
