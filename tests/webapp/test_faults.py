"""Faults: gunicorn killed with SIGKILL in the middle of concurrent submissions, then
restarted; on SQLite and PostgreSQL.

Respondents are anonymous, so nothing ties a stored response to its invitation: the test
proves its claims by counting, per respondent outcome as the client saw it.

* Every Send the server acknowledged (303 to the thank-you page) is stored exactly once: after
  the restart each respondent whose Send got no answer presses Send again with the same cookie
  (the draft is kept there); the first Send stored nothing (303 now) or stored it (409: the
  right was spent). Responses stored == acknowledged sends + sends answered 409 on retry.
* No response without its right spent: spent rights == responses (one transaction).
* No invitation used without its response, except where the Start itself was cut off:
  used invitations == respondents who sent + Starts that got no answer and, tried again, find
  their link used (the server committed the Start but the kill ate its answer; the link is
  gone and the respondent holds no right -- the one loss a kill can cause, counted here).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.webapp.conftest import make_survey

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("samen_load", ROOT / "benchmarks" / "load.py")
assert _spec is not None and _spec.loader is not None
load: Any = importlib.util.module_from_spec(_spec)
sys.modules["samen_load"] = load
_spec.loader.exec_module(load)

RESPONDENTS = 48
CLIENTS = 8
KILL_AFTER = 6  # acknowledged sends before the kill


def _serve(url: str, folder: Path, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        SAMEN_DATABASE_URL=url,
        SAMEN_INSTANCE_PATH=str(folder),
        SAMEN_SECRET_KEY="faults-test-secret-key-0123456789abcdef",
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with open(folder / "gunicorn.log", "a") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "webapp:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg ends master and workers
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = load.Browser("127.0.0.1", port, load.Tally(), threading.Lock())
            if probe.request("GET", "/s/probe")[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


class Respondent:
    """One respondent: Start, one answered page, Send; remembers what the server said."""

    def __init__(self, port: int, token: str) -> None:
        self.browser = load.Browser("127.0.0.1", port, load.Tally(), threading.Lock())
        self.token = token
        self.started: str | None = None  # "yes" | "cut" (no answer)
        self.sent: str | None = None  # "yes" | "cut"

    def start(self) -> None:
        html = self.browser.expect("GET", f"/s/{self.token}", 200)[0]
        self.started = "cut"
        self.browser.expect("POST", f"/s/{self.token}", 303, form={"csrf_token": load._csrf(html)})
        self.started = "yes"

    def answer_and_send(self) -> None:
        html = self.browser.expect("GET", "/survey/review", 200)[0]
        self.sent = "cut"
        self.browser.expect("POST", "/survey/send", 303, form={"csrf_token": load._csrf(html)})
        self.sent = "yes"


@pytest.mark.timeout(120)
def test_kill_9_during_submissions_loses_and_duplicates_nothing(db: Any, tmp_path: Path) -> None:
    from surveys.models import Invitation, Response, SpentRight

    survey = make_survey(db, tokens=RESPONDENTS)
    port = load._free_port()
    server = _serve(db.url, tmp_path, port)
    respondents = [Respondent(port, token) for token in survey.tokens]
    acknowledged = threading.Semaphore(0)

    def run(share: list[Respondent]) -> None:
        for respondent in share:
            try:
                respondent.start()
                respondent.answer_and_send()
                acknowledged.release()
            except (load.HttpError, OSError, Exception):  # the kill: the answer never came
                pass

    threads = [
        threading.Thread(target=run, args=(respondents[n::CLIENTS],)) for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert acknowledged.acquire(timeout=60), "no submissions before the kill"
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=60)
    cut_sends = [r for r in respondents if r.sent == "cut"]
    cut_starts = [r for r in respondents if r.started == "cut"]
    unfinished = sum(r.sent != "yes" for r in respondents)
    assert unfinished > 0, "the kill came after every respondent had sent"
    print(
        f"at the kill: {len(cut_sends)} sends and {len(cut_starts)} starts cut, "
        f"{unfinished} of {RESPONDENTS} unfinished"
    )

    server = _serve(db.url, tmp_path, port)
    try:
        retry_409 = 0
        for respondent in cut_sends:  # Send again: the draft and the right are in the cookie
            review = respondent.browser.expect("GET", "/survey/review", 200)[0]
            form = {"csrf_token": load._csrf(review)}
            status = respondent.browser.request("POST", "/survey/send", form=form)[0]
            assert status in (303, 409), status
            if status == 303:
                respondent.sent = "yes"
            else:
                retry_409 += 1
                respondent.sent = "stored-before-kill"
        lost_starts = 0
        for respondent in cut_starts:  # the link again, in the same browser (no cookie came)
            html = respondent.browser.expect("GET", f"/s/{respondent.token}", 200)[0]
            status = respondent.browser.request(
                "POST", f"/s/{respondent.token}", form={"csrf_token": load._csrf(html)}
            )[0]
            assert status in (303, 404), status
            if status == 404:
                lost_starts += 1
            else:
                respondent.started = "yes"
                respondent.answer_and_send()
        for respondent in respondents:
            if respondent.started is None:  # the kill stopped them before they began
                respondent.start()
                respondent.answer_and_send()
            elif respondent.started == "yes" and respondent.sent is None:
                # started, then cut while opening the review page: Send from the same browser
                respondent.answer_and_send()
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)

    acked = sum(r.sent == "yes" for r in respondents)
    with db.session() as session:
        responses = session.scalar(select(func.count()).select_from(Response))
        spent = session.scalar(select(func.count()).select_from(SpentRight))
        unused = session.scalar(select(func.count()).select_from(Invitation))
    assert responses == acked + retry_409, (responses, acked, retry_409)
    assert spent == responses
    assert RESPONDENTS - unused == responses + lost_starts
    assert lost_starts <= len(cut_starts)
    assert responses >= RESPONDENTS - len(cut_starts)
