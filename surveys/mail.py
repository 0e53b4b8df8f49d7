"""Sending invitations by e-mail from an address list that is never stored.

The addresses are read from the uploaded file, each gets a fresh invitation in one mail, and
they are forgotten: the database holds only the invitations' hashes, and neither addresses
nor tokens are logged. Settings come from ``SAMEN_SMTP_HOST``, ``SAMEN_SMTP_PORT``,
``SAMEN_SMTP_USER``, ``SAMEN_SMTP_PASSWORD``, ``SAMEN_SMTP_FROM`` and ``SAMEN_SMTP_TLS``
(``starttls`` (default when a user is set), ``ssl`` or ``none``).
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from surveys.db import Database
from surveys.definition import SurveyDefinition
from surveys.definitions import get_survey
from surveys.errors import InputError, SamenError
from surveys.invitations import (
    DEFAULT_BASE_URL,
    invitation_link,
    issue_invitations,
    withdraw_invitations,
)
from surveys.org import EMAIL, decode_csv

__all__ = ["SmtpSettings", "invitation_message", "read_addresses", "send_invitations"]


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str = "localhost"
    port: int = 25
    sender: str = "samen@localhost"
    user: str | None = None
    password: str | None = None
    tls: str = "none"  # "none" | "starttls" | "ssl"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if environ is None else environ
        host = env.get("SAMEN_SMTP_HOST")
        if not host:
            raise SamenError("set SAMEN_SMTP_HOST (and SAMEN_SMTP_FROM) to send invitations")
        user = env.get("SAMEN_SMTP_USER") or None
        try:
            default = 465 if env.get("SAMEN_SMTP_TLS") == "ssl" else 587 if user else 25
            port = int(env.get("SAMEN_SMTP_PORT") or default)
        except ValueError:
            raise SamenError("SAMEN_SMTP_PORT must be a port number") from None
        tls = env.get("SAMEN_SMTP_TLS") or ("starttls" if user else "none")
        if tls not in ("none", "starttls", "ssl"):
            raise SamenError("SAMEN_SMTP_TLS must be none, starttls or ssl")
        return cls(
            host=host,
            port=port,
            sender=env.get("SAMEN_SMTP_FROM") or f"samen@{host}",
            user=user,
            password=env.get("SAMEN_SMTP_PASSWORD") or None,
            tls=tls,
        )


#: Header names of the address column (a spreadsheet's own header, English or Dutch).
ADDRESS_HEADERS = frozenset({"email", "e-mail", "mail", "emailadres", "e-mailadres"})


def read_addresses(path: str | os.PathLike[str]) -> list[str]:
    """E-mail addresses from a file: one per line (a first line ``email`` is a header), or a
    CSV with an ``email`` (or ``e-mail``, ``emailadres``) column.

    Raises InputError naming each bad line; duplicates are an error too (one person, one
    invitation).
    """
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    lines = decode_csv(raw, name).splitlines()
    column = None
    if lines and ("," in lines[0] or ";" in lines[0]):
        header = [
            c.strip().strip('"').strip().lower() for c in lines[0].replace(";", ",").split(",")
        ]
        found = [i for i, c in enumerate(header) if c in ADDRESS_HEADERS]
        if not found:
            raise InputError(f"{name}: line 1: a CSV of addresses needs an 'email' column")
        column = found[0]
    elif lines and lines[0].strip().strip('"').strip().lower() in ADDRESS_HEADERS:
        column = 0  # one column with a header, as spreadsheets save it
    addresses: list[str] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if column is not None:
            if number == 1:
                continue
            cells = line.replace(";", ",").split(",")
            line = cells[column].strip().strip('"') if column < len(cells) else ""
        address = line.strip()
        if not address or address.startswith("#"):
            continue
        if not EMAIL.fullmatch(address):
            problems.append(f"{name}: line {number}: not an e-mail address")
        elif address.lower() in seen:
            problems.append(f"{name}: line {number}: duplicates line {seen[address.lower()]}")
        else:
            seen[address.lower()] = number
            addresses.append(address)
    if problems:
        first = problems[0] if len(problems) == 1 else f"{name}: {len(problems)} problems"
        raise InputError(first, problems)
    if not addresses:
        raise InputError(f"{name}: no e-mail addresses in the file")
    return addresses


def _message(definition: SurveyDefinition, link: str, language: str | None) -> tuple[str, str]:
    langs = [language] if language else list(definition.languages)
    subject = " / ".join(definition.text(definition.title, lang) for lang in langs)
    parts = []
    for lang in langs:
        title = definition.text(definition.title, lang)
        org = definition.text(definition.organisation, lang)
        if lang == "nl":
            parts.append(
                f'Beste collega,\n\n{org} nodigt je uit voor het onderzoek "{title}".\n'
                f"Je persoonlijke link:\n\n{link}\n\nDe link werkt één keer. Je antwoorden zijn "
                "anoniem: je link wordt gewist zodra je de vragenlijst opent en niets verbindt "
                "hem met je antwoorden. Uitkomsten worden alleen getoond voor groepen van "
                f"minstens {definition.min_group_size} personen.\n"
            )
        else:
            parts.append(
                f'Dear colleague,\n\n{org} invites you to the survey "{title}".\n'
                f"Your personal link:\n\n{link}\n\nThe link works once. Your answers are "
                "anonymous: the link is erased when you open the survey and nothing connects "
                "it to your answers. Results are only shown for groups of at least "
                f"{definition.min_group_size} people.\n"
            )
    return subject, "\n-----\n\n".join(parts)


def send_invitations(
    db: Database,
    slug: str,
    unit_code: str,
    emails_path: str | os.PathLike[str],
    smtp: SmtpSettings,
    base_url: str = DEFAULT_BASE_URL,
    language: str | None = None,
) -> int:
    """Issue one invitation per address in ``emails_path`` and mail it; return mails sent.

    The addresses are never stored. When sending fails part-way, the invitations of the mails
    not sent are withdrawn (they would otherwise count as invited, lowering the response
    rate) and SamenError says how many went out and from which address to send again.
    """
    addresses = read_addresses(emails_path)
    definition = get_survey(db, slug)
    tokens = issue_invitations(db, slug, unit_code, len(addresses), language, mode="mail")
    sent = 0
    try:
        client: smtplib.SMTP
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=30)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
        with client:
            if smtp.tls == "starttls":
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            for address, token in zip(addresses, tokens, strict=True):
                subject, body = _message(definition, invitation_link(base_url, token), language)
                message = EmailMessage()
                message["From"] = smtp.sender
                message["To"] = address
                message["Subject"] = subject
                message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
                message.set_content(body)
                client.send_message(message)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.__class__.__name__
        withdraw_invitations(db, tokens[sent:], mode="mail")
        raise SamenError(
            f"sending stopped after {sent} of {len(addresses)} mails ({reason}); the rest got "
            f"no invitation: send again to the addresses from {addresses[sent]} on"
        ) from None
    return sent


def invitation_message(
    definition: SurveyDefinition, link: str, language: str | None = None
) -> tuple[str, str]:
    """The subject and body :func:`send_invitations` mails with ``link`` (for a preview).

    ``language`` one of the survey's: that language only; None: every language of the
    survey, one after the other.
    """
    return _message(definition, link, language)
