"""Emails rendered from Jinja2 templates (HTML autoescaped) as text and HTML, byte-identical run to run."""
from __future__ import annotations

import email.policy
import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from events.vocabulary import TOPICS
from notifiers.subscribers import Subscriber
from notifiers.tokens import Tokens

OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
KIND_WORDS = {"new-report": "new report", "priority-action": "priority actions", "pdmoc": "PDMOC visit",
              "grade-changed": "grade changed"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# bodies are encoded in lines of at most 76 (RFC 2045); headers are written with the hard limit, so that a
# long unsubscribe URL is never folded into RFC 2047 words that no mail client would follow
BODY_POLICY = email.policy.default.clone(max_line_length=76)
HEADERS_POLICY = email.policy.default.clone(max_line_length=998)


def long_date(value: str | None) -> str:
    """`2024-11-21` as `21 November 2024`, the same in every locale."""
    if not value:
        return "not given"
    day = date.fromisoformat(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def kind_words(kinds: Sequence[str]) -> str:
    """Alert kinds in words."""
    return ", ".join(KIND_WORDS[k] for k in kinds)


def scope_words(subscriber: Subscriber) -> str:
    """Which authorities a subscriber hears about, in words."""
    parts = []
    if subscriber.urns:
        parts.append(f"URN {', '.join(subscriber.urns)}")
    if subscriber.regions:
        parts.append(f"authorities in {', '.join(subscriber.regions)}")
    return " and ".join(parts) if parts else "every authority"


def message_id(*parts: str) -> str:
    """A Message-ID that the same parts always give, so that a resend is recognisable."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"<{digest[:40]}@ilacs>"


def subject_of(pub: dict[str, Any]) -> str:
    """The subject: the authority, the publication, its date and what matched."""
    if pub["type"] == "visit":
        what = f"focused visit on {TOPICS.get(pub['topic'], pub['topic'])}"
    else:
        what = f"inspection report, {pub['grade'] or 'no overall grade'}"
        if pub["grade_changed"]:
            what += f" (was {pub['previous']})"
    return f"{pub['authority']}: {what}, published {long_date(pub['publication_date'])} [{kind_words(pub['kinds'])}]"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("notifiers", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"], default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(long_date=long_date, kinds=kind_words, topic=lambda key: TOPICS.get(key, key))
    return env


class Renderer:
    """Builds the messages; the clock's instant and the ids come in, so output is reproducible."""

    def __init__(self, sender: str, public_url: str, tokens: Tokens) -> None:
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        self.tokens = tokens
        self.env = _environment()

    def alert(self, subscriber: Subscriber, key: str, pub: dict[str, Any], now: datetime) -> EmailMessage:
        """One publication for one subscriber."""
        subject = subject_of(pub)
        context = self._context(subscriber, subject) | {"pub": pub}
        return self._message(subscriber, subject, message_id("alert", str(subscriber.id), key), now,
                             "alert", context)

    def digest(self, subscriber: Subscriber, keys: Sequence[str], pubs: Sequence[dict[str, Any]],
               now: datetime) -> EmailMessage:
        """A day's publications for one subscriber, in one message."""
        count = f"{len(pubs)} publication{'s' if len(pubs) > 1 else ''}"
        subject = f"Ofsted daily digest, {long_date(now.date().isoformat())}: {count}"
        context = self._context(subscriber, subject) | {"pubs": pubs, "count": count}
        return self._message(subscriber, subject, message_id("digest", str(subscriber.id), *sorted(keys)), now,
                             "digest", context)

    def notice(self, to: str, key: str, subject: str, body: str, now: datetime) -> EmailMessage:
        """A notice to the operator, in plain text."""
        msg = self._headers(to, subject, message_id("operator", key), now)
        text = self.env.get_template("operator.txt").render(body=body, public_url=self.public_url)
        msg.set_content(text, cte="quoted-printable")
        msg.policy = HEADERS_POLICY
        return msg

    def _context(self, subscriber: Subscriber, subject: str) -> dict[str, Any]:
        token = self.tokens.make(subscriber.id, subscriber.email)
        return {"subject": subject, "subscriber": subscriber, "asked": kind_words(subscriber.kinds),
                "scope": scope_words(subscriber), "ogl_url": OGL_URL,
                "unsubscribe_url": f"{self.public_url}/unsubscribe?token={token}"}

    def _message(self, subscriber: Subscriber, subject: str, mid: str, now: datetime, template: str,
                 context: dict[str, Any]) -> EmailMessage:
        msg = self._headers(subscriber.email, subject, mid, now)
        msg["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        msg.set_content(self.env.get_template(f"{template}.txt").render(context), cte="quoted-printable")
        msg.add_alternative(self.env.get_template(f"{template}.html").render(context), subtype="html",
                            cte="quoted-printable")
        msg.set_boundary(f"=_{mid[1:17]}")  # fixed, not random: the same email gives the same bytes
        msg.policy = HEADERS_POLICY
        return msg

    def _headers(self, to: str, subject: str, mid: str, now: datetime) -> EmailMessage:
        msg = EmailMessage(policy=BODY_POLICY)
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = mid
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to us
        return msg
