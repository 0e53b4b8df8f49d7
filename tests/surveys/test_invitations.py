"""Invitations: tokens, hashes, links, lookup, e-mail through a local SMTP server."""

from __future__ import annotations

import csv
import email
import math

import pytest
from sqlalchemy import select, text

from surveys.errors import InputError, NotFound, SamenError, WaveClosed
from surveys.invitations import (
    count_unused_invitations,
    invitation_link,
    issue_counts,
    issue_invitations,
    lookup_invitation,
    write_links_csv,
)
from surveys.mail import SmtpSettings, read_addresses, send_invitations
from surveys.models import Invitation
from surveys.waves import close_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE


def test_tokens_are_long_random_and_stored_only_as_hashes(hospital_db):
    tokens = issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 50, language="nl")
    assert len(set(tokens)) == 50
    # URL-safe base64 carries 6 bits per character.
    assert min(len(t) for t in tokens) * 6 >= 128
    alphabet = set("".join(tokens))
    assert len(alphabet) > 40  # not hex, not digits: the full URL-safe alphabet
    with hospital_db.session() as session:
        stored = session.scalars(select(Invitation.token_hash)).all()
        dump = " ".join(
            str(v) for row in session.execute(text("SELECT * FROM invitations")) for v in row
        )
    assert len(stored) == 50
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in stored)
    assert not any(token in dump for token in tokens)
    assert count_unused_invitations(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1") == 50
    assert count_unused_invitations(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2") == 0
    assert math.log2(64) * min(map(len, tokens)) >= 128


def test_lookup(hospital_db):
    (token,) = issue_invitations(hospital_db, HOSPITAL_SLUG, "ICU", 1, language="en")
    info = lookup_invitation(hospital_db, token)
    assert info is not None
    assert (info.survey, info.wave, info.unit_code, info.language, info.open_link) == (
        HOSPITAL_SLUG,
        HOSPITAL_WAVE,
        "ICU",
        "en",
        False,
    )
    assert lookup_invitation(hospital_db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert lookup_invitation(hospital_db, "") is None
    assert lookup_invitation(hospital_db, "x" * 5000) is None
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(WaveClosed):
        lookup_invitation(hospital_db, token)


def test_issue_refuses_bad_requests(hospital_db):
    with pytest.raises(InputError, match="count"):
        issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 0)
    with pytest.raises(InputError, match="language 'de'"):
        issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 1, language="de")
    with pytest.raises(NotFound, match="no unit 'NOPE'"):
        issue_invitations(hospital_db, HOSPITAL_SLUG, "NOPE", 1)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(SamenError, match="no open wave"):
        issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 1)


def test_links_csv(tmp_path):
    path = write_links_csv(["abc", "def"], "https://samen.example/", tmp_path / "links.csv", "W1")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {"link": "https://samen.example/s/abc", "unit": "W1"},
        {"link": "https://samen.example/s/def", "unit": "W1"},
    ]
    assert path.stat().st_mode & 0o077 == 0
    assert invitation_link("http://h:5000", "t") == "http://h:5000/s/t"


def test_addresses_file(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("a@x.nl\n\n# comment\nb@x.nl\n", encoding="utf-8")
    assert read_addresses(plain) == ["a@x.nl", "b@x.nl"]
    table = tmp_path / "a.csv"
    table.write_text("name;email\nAnn;ann@x.nl\nBob;bob@x.nl\n", encoding="utf-8")
    assert read_addresses(table) == ["ann@x.nl", "bob@x.nl"]
    # A spreadsheet saved as CSV: its own header, Dutch or quoted, one column or several.
    one_column = tmp_path / "one.csv"
    one_column.write_text("E-mail\nann@x.nl\nbob@x.nl\n", encoding="utf-8")
    assert read_addresses(one_column) == ["ann@x.nl", "bob@x.nl"]
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"Naam";"E-mailadres"\n"Ann";"ann@x.nl"\n', encoding="utf-8")
    assert read_addresses(quoted) == ["ann@x.nl"]
    bad = tmp_path / "bad.txt"
    bad.write_text("a@x.nl\nnot an address\nA@x.nl\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_addresses(bad)
    assert info.value.problems[0].endswith("line 2: not an e-mail address")
    assert "line 3: duplicates line 1" in info.value.problems[1]


def test_smtp_settings_from_env():
    with pytest.raises(SamenError, match="SAMEN_SMTP_HOST"):
        SmtpSettings.from_env({})
    settings = SmtpSettings.from_env(
        {"SAMEN_SMTP_HOST": "mail.x", "SAMEN_SMTP_USER": "u", "SAMEN_SMTP_FROM": "hr@x.nl"}
    )
    assert (settings.port, settings.tls, settings.sender) == (587, "starttls", "hr@x.nl")


def test_send_invitations_one_mail_each_and_no_address_stored(hospital_db, tmp_path, smtp_server):
    controller, handler = smtp_server
    addresses = tmp_path / "emails.txt"
    addresses.write_text("ann@hospital.example\nbob@hospital.example\n", encoding="utf-8")
    settings = SmtpSettings(host="127.0.0.1", port=controller.port, sender="hr@h.example")
    sent = send_invitations(
        hospital_db, HOSPITAL_SLUG, "W2", addresses, settings, "https://s.example", language="nl"
    )
    assert sent == 2
    assert sorted(r[0][0] for r in handler.messages) == [
        "ann@hospital.example",
        "bob@hospital.example",
    ]
    links = []
    for _, content in handler.messages:
        body = email.message_from_bytes(content).get_payload(decode=True).decode("utf-8")
        assert "anoniem" in body
        link = next(word for word in body.split() if word.startswith("https://s.example/s/"))
        links.append(link)
    tokens = [link.rsplit("/", 1)[1] for link in links]
    assert len(set(tokens)) == 2
    assert all(lookup_invitation(hospital_db, t).unit_code == "W2" for t in tokens)
    # Counted as mailed by Samen (nobody holds these links), not as a link file.
    counts = issue_counts(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2")
    assert (counts.mailed, counts.handed_out) == (2, 0)
    with hospital_db.session() as session:
        for table in ("invitations", "invitation_counts", "units", "surveys", "waves"):
            dump = " ".join(
                str(v) for row in session.execute(text(f"SELECT * FROM {table}")) for v in row
            )
            assert "ann@" not in dump and "bob@" not in dump


def test_send_failure_is_one_line(hospital_db, tmp_path):
    addresses = tmp_path / "emails.txt"
    addresses.write_text("ann@hospital.example\n", encoding="utf-8")
    settings = SmtpSettings(host="127.0.0.1", port=1)
    with pytest.raises(SamenError, match="sending stopped after 0 of 1") as info:
        send_invitations(hospital_db, HOSPITAL_SLUG, "W2", addresses, settings)
    assert "send again to the addresses from ann@hospital.example on" in str(info.value)
    # The unsent invitation is withdrawn: it must not count as invited, nor as mailed.
    assert count_unused_invitations(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2") == 0
    assert issue_counts(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE).issued == 0


def test_send_stopping_part_way_withdraws_the_unsent_invitations(hospital_db, tmp_path):
    import socket

    from aiosmtpd.controller import Controller

    class RefuseBob:
        def __init__(self):
            self.delivered = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("bob@"):
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.delivered += envelope.rcpt_tos
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = RefuseBob()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        addresses = tmp_path / "emails.txt"
        addresses.write_text("ann@h.example\nbob@h.example\ncarol@h.example\n", encoding="utf-8")
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="hr@h.example")
        with pytest.raises(SamenError, match="after 1 of 3 mails") as info:
            send_invitations(hospital_db, HOSPITAL_SLUG, "W2", addresses, settings)
    finally:
        controller.stop()
    assert "from bob@h.example on" in str(info.value)
    assert handler.delivered == ["ann@h.example"]
    # Ann's invitation is live; Bob's and Carol's were withdrawn and do not count as invited.
    assert count_unused_invitations(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2") == 1
