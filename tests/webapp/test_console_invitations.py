"""The console's Invitations section: links per unit shown once with the mail-merge CSV
(only hashes stored), invitations mailed through SMTP (addresses never stored) with a preview
in both languages, the open link's QR code; every route admin-only; the CLI's messages next
to the field and nothing stored when a form is refused.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from surveys.invitations import count_unused_invitations, lookup_invitation
from tests.surveys.conftest import smtp_server as smtp_server  # a local SMTP server
from tests.webapp.conftest import HOSPITAL
from tests.webapp.test_console_people import admin_client, cheap_hasher, console_demo, csrf_token
from tests.webapp.test_research import signed_in

__all__ = ["cheap_hasher", "console_demo"]

DEMO = "hospital-2026"
OPEN = "2026-2"
ROUTES = [
    ("GET", "/console/invitations"),
    ("GET", f"/console/invitations/{DEMO}"),
    ("POST", f"/console/invitations/{DEMO}/links"),
    ("POST", f"/console/invitations/{DEMO}/mail"),
    ("GET", f"/console/invitations/{DEMO}/qr.svg"),
]


def _links(app, data: dict[str, str], language: str = "en"):
    client, token = admin_client(app, language)
    return client.post(
        f"/console/invitations/{DEMO}/links", data={"links-csrf_token": token, **data}
    )


def _unused(db, unit: str) -> int:
    return count_unused_invitations(db, DEMO, OPEN, unit)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_is_for_admins_only(console_demo, method, path):
    app, db = console_demo
    before = _unused(db, "CHIR-A")
    data = {"links-unit": "CHIR-A", "links-count": "2"}
    visitor = app.test_client()
    token = csrf_token(visitor.get("/auth/login").text)
    form = {"links-csrf_token": token, "mail-csrf_token": token, **data}
    anonymous = visitor.open(path, method=method, data=form if method == "POST" else None)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    for role in ("manager", "researcher"):
        client = signed_in(app, role)
        token = csrf_token(client.get("/auth/password").text)
        form = {"links-csrf_token": token, "mail-csrf_token": token, **data}
        response = client.open(path, method=method, data=form if method == "POST" else None)
        assert response.status_code == 403, role
    assert _unused(db, "CHIR-A") == before


def test_links_are_shown_once_with_the_csv_and_only_hashes_are_stored(console_demo):
    app, db = console_demo
    before = _unused(db, "CHIR-A")
    response = _links(app, {"links-unit": "CHIR-A", "links-count": "3", "links-language": "nl"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    assert "Made 3 links for Chirurgie A (CHIR-A) in round 2026-2." in page
    shown = re.findall(r"<li><code>(http://localhost/s/[\w-]+)</code></li>", page)
    assert len(shown) == 3
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)" download="([^"]+)"', page)
    assert href is not None and href.group(2) == f"links-{DEMO}-{OPEN}-CHIR-A.csv"
    rows = list(csv.reader(io.StringIO(unquote(href.group(1)))))
    assert rows == [["link", "unit"]] + [[link, "CHIR-A"] for link in shown]
    assert _unused(db, "CHIR-A") == before + 3
    for link in shown:
        info = lookup_invitation(db, link.rsplit("/", 1)[1])
        assert info is not None and (info.unit_code, info.language) == ("CHIR-A", "nl")
    database_file = Path(db.engine.url.database).read_bytes()
    assert not any(link.rsplit("/", 1)[1].encode() in database_file for link in shown)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"links-unit": "CHIR-A", "links-count": "0"}, "links-count", "whole number from 1 to"),
        ({"links-unit": "CHIR-A", "links-count": "many"}, "links-count", "whole number"),
        ({"links-unit": "NOPE", "links-count": "2"}, "links-unit", "no unit 'NOPE'"),
        (
            {"links-unit": "CHIR-A", "links-count": "2", "links-language": "de"},
            "links-language",
            "language 'de' is not one of the survey's (nl, en)",
        ),
    ],
)
def test_refused_forms_say_why_next_to_the_field_and_store_nothing(
    console_demo, data, field, message
):
    app, db = console_demo
    before = _unused(db, "CHIR-A")
    response = _links(app, data)
    assert response.status_code == 400
    errors = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', response.text, re.S
    )
    assert errors is not None and message in errors.group(1).replace("&#39;", "'")
    control = re.search(rf'<(?:input|select)[^>]*id="{field}"[^>]*>', response.text).group(0)
    assert f"{field}-errors" in control and 'aria-invalid="true"' in control
    assert _unused(db, "CHIR-A") == before


def test_no_links_without_an_open_round(console_demo):
    app, db = console_demo
    from surveys.waves import close_wave

    close_wave(db, DEMO, OPEN)
    response = _links(app, {"links-unit": "CHIR-A", "links-count": "2"})
    assert response.status_code == 400
    assert "has no open round; open one under Rounds first." in response.text


def test_the_message_is_previewed_in_both_languages(console_demo):
    app, _ = console_demo
    client, _ = admin_client(app)
    page = client.get(f"/console/invitations/{DEMO}").text
    previews = re.findall(r'<figure class="mail-preview" lang="(\w+)">(.*?)</figure>', page, re.S)
    assert [lang for lang, _ in previews] == ["nl", "en"]
    assert "Beste collega" in previews[0][1] and "Dear colleague" in previews[1][1]
    assert "No mail server is set up." in page  # and no form to send with


def test_invitations_are_mailed_and_the_addresses_forgotten(console_demo, smtp_server):
    app, db = console_demo
    controller, handler = smtp_server
    app.config.update(
        SAMEN_SMTP_HOST="127.0.0.1",
        SAMEN_SMTP_PORT=controller.port,
        SAMEN_SMTP_FROM="hr@example.org",
    )
    client, token = admin_client(app)
    assert 'name="mail-addresses"' in client.get(f"/console/invitations/{DEMO}").text
    addresses = "ann.one@example.org\nbob.two@example.org\n"
    data = {"mail-csrf_token": token, "mail-unit": "CHIR-B", "mail-addresses": addresses}
    response = client.post(f"/console/invitations/{DEMO}/mail", data=data)
    assert response.status_code == 302
    assert "Sent 2 invitations to unit CHIR-B; the addresses were not stored." in (
        client.get(response.location).text
    )
    assert sorted(r for recipients, _ in handler.messages for r in recipients) == [
        "ann.one@example.org",
        "bob.two@example.org",
    ]
    assert all(
        re.search(rb"http://localhost/s/[\w-]+", content) for _, content in handler.messages
    )
    assert b"ann.one@example.org" not in Path(db.engine.url.database).read_bytes()
    # a bad line: said next to the field with its line number, nothing sent or stored
    before = _unused(db, "CHIR-B")
    data["mail-addresses"] = "carl@example.org\nnot-an-address\n"
    refused = client.post(f"/console/invitations/{DEMO}/mail", data=data)
    assert refused.status_code == 400
    assert re.search(
        r'id="mail-addresses-errors">\s*<li>line 2: not an e-mail address', refused.text
    )
    assert len(handler.messages) == 2 and _unused(db, "CHIR-B") == before


def test_the_open_link_has_a_qr_code(console_demo, tmp_path):
    import segno

    from surveys.definitions import create_survey
    from surveys.invitations import open_link_token

    app, db = console_demo
    text = HOSPITAL.read_text(encoding="utf-8").replace("open_link: false", "open_link: true")
    text = text.replace(f"id: {DEMO}", "id: posters")
    (tmp_path / "open.yaml").write_text(text, encoding="utf-8")
    create_survey(db, tmp_path / "open.yaml")
    link = f"http://localhost/o/{open_link_token(db, 'posters')}"
    client, _ = admin_client(app)
    page = client.get("/console/invitations/posters").text
    assert f'<code class="open-link">{link}</code>' in page
    assert '<img class="qr" src="/console/invitations/posters/qr.svg"' in page
    svg = client.get("/console/invitations/posters/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(link, error="m").save(
        expected, kind="svg", scale=6, xmldecl=False, svgclass=None, lineclass=None
    )
    assert svg.data == expected.getvalue()  # the code of exactly the open link
    png = client.get("/console/invitations/posters/qr.png?download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    # the demo survey has no open link: no code
    assert client.get(f"/console/invitations/{DEMO}/qr.svg").status_code == 404


def test_addresses_can_come_from_a_spreadsheet_file(console_demo, smtp_server):
    app, _ = console_demo
    controller, handler = smtp_server
    app.config.update(SAMEN_SMTP_HOST="127.0.0.1", SAMEN_SMTP_PORT=controller.port)
    client, token = admin_client(app)
    upload = io.BytesIO(b"Naam;E-mailadres\nAnn;ann@example.org\nBob;bob@example.org\n")
    data = {
        "mail-csrf_token": token,
        "mail-unit": "CHIR-A",
        "mail-language": "en",
        "mail-file": (upload, "adressen.csv"),
    }
    response = client.post(
        f"/console/invitations/{DEMO}/mail", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert len(handler.messages) == 2
    assert all(
        b"Dear colleague" in content and b"Beste collega" not in content
        for _, content in handler.messages
    )
