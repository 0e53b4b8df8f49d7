"""Console, Organisation: upload the unit CSV, every problem per line before anything is
stored, the tree after the import, confirm, what the import did (flash).

Each test gets a fresh database (``db``, SQLite and PostgreSQL).
"""

from __future__ import annotations

import io
import re

import pytest

from surveys.org import list_units
from tests.webapp.helpers import csrf_token
from tests.webapp.test_console_access import (
    ROLES,
    assert_refused,
    console_client,
    login_page_token,
)

GOOD = (
    "unit_id,parent_id,name,manager_email\nORG,,Zorggroep,\nA,ORG,Afdeling A,a@x.nl\nB,A,Team B,\n"
)
BAD = (
    "unit_id,parent_id,name\n"
    "ORG,,Zorggroep\n"
    "A b,ORG,Bad code\n"  # line 3: bad code
    "C,NOPE,Unit C\n"  # line 4: unknown parent
    "D,ORG,\n"  # line 5: no name
)


def _upload(client, text: str | bytes, filename: str = "units.csv"):
    page = client.get("/console/organisation").get_data(as_text=True)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    data = {"csrf_token": csrf_token(page), "file": (io.BytesIO(raw), filename)}
    return client.post(
        "/console/organisation/check", data=data, content_type="multipart/form-data"
    )


def _confirm_form(html: str) -> dict[str, str]:
    form = re.search(r"<form[^>]*organisation/import.*?</form>", html, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="([a-z_]+)" type="hidden" value="([^"]*)"', form.group(0)))
    fields.update(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', form.group(0)))
    import html as html_module

    return {k: html_module.unescape(v) for k, v in fields.items()}


@pytest.mark.parametrize("role", ROLES[:3])
def test_every_organisation_route_refuses_everyone_but_the_admin(app, db, role):
    client = console_client(app, db, role)
    assert_refused(client.get("/console/organisation"), role)
    token = login_page_token(client)
    for url in ("/console/organisation/check", "/console/organisation/import"):
        assert_refused(client.post(url, data={"csrf_token": token}), role)
    assert list_units(db) == [] or {u.code for u in list_units(db)} == {"mgr-unit"}


def test_a_post_without_csrf_token_is_refused(app, db):
    client = console_client(app, db, "admin")
    data = {"file": (io.BytesIO(GOOD.encode()), "units.csv")}
    response = client.post(
        "/console/organisation/check", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400


def test_check_stores_nothing_and_shows_the_tree_then_confirm_imports(app, db):
    client = console_client(app, db, "admin")
    checked = _upload(client, GOOD)
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    assert "3 units created, 0 updated, 0 unchanged." in html
    assert "Nothing is stored yet" in html
    # the tree after the import: B nested under A under ORG
    assert re.search(r"Zorggroep.*<ul.*Afdeling A.*<ul.*Team B", html, re.S)
    assert list_units(db) == []  # nothing stored by the check
    imported = client.post("/console/organisation/import", data=_confirm_form(html))
    assert imported.status_code == 302 and imported.location == "/console/organisation"
    assert {u.code for u in list_units(db)} == {"ORG", "A", "B"}
    page = client.get("/console/organisation").get_data(as_text=True)
    assert "3 units created, 0 updated, 0 unchanged." in page  # what it did, once
    assert "Closed waves keep the tree they closed with" in page
    assert "a@x.nl" in page


def test_every_problem_is_listed_by_line_with_the_imports_own_messages(app, db):
    client = console_client(app, db, "admin")
    response = _upload(client, BAD, "eenheden.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = re.findall(r"<li>(eenheden\.csv: line \d+:[^<]*)</li>", html)
    lines = [int(re.search(r"line (\d+)", p).group(1)) for p in problems]
    assert lines == [3, 4, 5]
    assert "unit_id &#39;A b&#39; must be 1-64 letters" in html
    assert "parent_id &#39;NOPE&#39; of &#39;C&#39; is not a unit" in html
    assert "unit &#39;D&#39; has no name" in html
    assert "3 problems; nothing was stored" in html
    assert "samen-org-" not in html  # the temporary path is never shown
    assert list_units(db) == []


def test_excel_semicolons_and_utf16_unicode_text(app, db):
    client = console_client(app, db, "admin")
    semicolons = "\ufeffunit_id;parent_id;name\nORG;;Organisatie\nA;ORG;Afdeling Één\n"
    html = _upload(client, semicolons).get_data(as_text=True)
    assert "2 units created" in html and "Afdeling Één" in html
    utf16 = "unit_id\tparent_id\tname\nORG\t\tOrganisatie\nA\tORG\tAfdeling Één\n"
    checked = _upload(client, "\ufeff".encode("utf-16-le") + utf16.encode("utf-16-le"), "u.txt")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "2 units created" in html
    client.post("/console/organisation/import", data=_confirm_form(html))
    assert {u.name for u in list_units(db)} == {"Organisatie", "Afdeling Één"}


def test_a_cp1252_file_gets_the_imports_hint(app, db):
    client = console_client(app, db, "admin")
    raw = "unit_id,parent_id,name\nORG,,Organisatie\nA,ORG,Café\n".encode("cp1252")
    html = _upload(client, raw).get_data(as_text=True)
    assert "units.csv: line 3: not UTF-8 text" in html
    assert "Windows-1252" in html


def test_a_tampered_confirm_stores_nothing(app, db):
    client = console_client(app, db, "admin")
    form = _confirm_form(_upload(client, GOOD).get_data(as_text=True))
    form["content"] = form["content"].replace("Team B", "Team X")
    response = client.post("/console/organisation/import", data=form, follow_redirects=True)
    assert "changed on its way back" in response.get_data(as_text=True)
    assert list_units(db) == []


def test_no_file_is_an_error_next_to_the_field(app, db):
    client = console_client(app, db, "admin")
    page = client.get("/console/organisation").get_data(as_text=True)
    response = client.post(
        "/console/organisation/check",
        data={"csrf_token": csrf_token(page)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="file-errors"' in html and "Choose a file." in html
    assert 'aria-invalid="true"' in html


def test_a_reimport_reports_updates_and_kept_units(app, db):
    client = console_client(app, db, "admin")
    client.post("/console/organisation/import", data=_confirm_form(_upload(client, GOOD).text))
    again = "unit_id,parent_id,name\nORG,,Zorggroep\nA,ORG,Afdeling A (nieuw)\n"
    html = _upload(client, again).get_data(as_text=True)
    assert "0 units created, 1 updated, 1 unchanged." in html
    assert "Kept units not in the file: B." in html


def test_the_organisation_page_in_dutch(app, db):
    client = console_client(app, db, "admin", "nl")
    html = client.get("/console/organisation").get_data(as_text=True)
    assert "<h1>Organisatie</h1>" in html
    assert "Controleer het bestand" in html
    assert 'aria-current="page">Organisatie</a>' in html


def test_a_large_organisation_passes_the_apps_small_request_limit(app, db):
    # the app takes 64 KB per request; the unit file steps take up to 900 KB
    lines = ["unit_id,parent_id,name", "ROOT,,Root"]
    lines += [f"U{i},ROOT,Unit number {i}" for i in range(4000)]
    text = "\n".join(lines) + "\n"
    assert len(text.encode()) > 64 * 1024
    client = console_client(app, db, "admin")
    checked = _upload(client, text)
    assert checked.status_code == 200
    assert "4001 units created" in checked.text
    client.post("/console/organisation/import", data=_confirm_form(checked.text))
    assert len(list_units(db)) == 4001


def test_a_file_over_the_limit_gets_an_error_next_to_the_field(app, db, monkeypatch):
    from webapp.console import organisation

    # a small limit, so the test's request body stays in memory (900 KB would be spooled)
    monkeypatch.setattr(organisation, "MAX_UPLOAD_BYTES", 10 * 1024)
    client = console_client(app, db, "admin")
    response = _upload(client, "unit_id,parent_id,name\n" + "x" * (11 * 1024))
    assert response.status_code == 422
    assert re.search(r'id="file-errors">\s*<li>The file is larger than 10 KB', response.text)
    assert list_units(db) == []
