"""Real SMTP to an in-process aiosmtpd server: delivery, 4xx retried, 5xx dead, a server down, login; maildir."""
from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from events.errors import DeliveryError
from notifiers.maildir import MaildirSender
from notifiers.ports import RecordingSender, ServerUnavailable
from notifiers.smtp import SmtpSender
from tests import alerthelpers
from tests.alerthelpers import OPERATOR, letter, make_app, outbox_rows, publish
from tests.builders import authority

LEEDS = "80447"

db_url = alerthelpers.db_url  # the same tests on SQLite and PostgreSQL


class Handler:
    """Keeps what it accepts; answers DATA with the scripted replies first, refuses some recipients."""

    def __init__(self, data_replies: list[str] | None = None, refuse: tuple[str, ...] = ()) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.data_replies = list(data_replies or [])
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(handler: Handler, port: int | None = None, **smtp_options: Any) -> Iterator[int]:
    """An SMTP server on localhost for the length of the block; its port."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def subscribed(db_url, clock, tmp_path):
    """Apps that talk SMTP to a given port, on one database with two subscribers and a backfilled authority."""
    apps = []

    def make(port: int, **settings: Any):
        app = make_app(db_url, clock, tmp_path, sender=None, smtp_host="127.0.0.1", smtp_port=port, **settings)
        if not apps:
            app.alerts.subscribers.add("a@example.org")
            app.alerts.subscribers.add("b@example.org")
            publish(app, [authority(LEEDS, "Leeds")], backfill=True)
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.engine.dispose()


def test_alerts_are_delivered_over_smtp(subscribed):
    handler = Handler()
    with smtp_server(handler) as port:
        app = subscribed(port)
        publish(app, [letter(LEEDS, date(2024, 10, 1), priority=True)])
        report = app.alerts.send_due()
    assert (report.sent, report.retried, report.dead) == (2, 0, 0)
    assert sorted(m["To"] for m in handler.messages) == ["a@example.org", "b@example.org"]
    message = handler.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == outbox_rows(app)[0].message_id
    assert "priority actions" in message["Subject"]
    assert "Contains public sector information licensed under the Open Government Licence v3.0" in (
        message.get_body(("plain",)).get_content())


def test_451_twice_then_250_delivers_exactly_one_message(subscribed, clock):
    handler = Handler(["451 4.3.0 try again later", "451 4.3.0 try again later"])
    with smtp_server(handler) as port:
        app = subscribed(port)
        app.alerts.subscribers.remove("b@example.org")
        publish(app, [letter(LEEDS, date(2024, 10, 1))])
        assert app.alerts.send_due().retried == 1
        clock.advance(minutes=1)
        assert app.alerts.send_due().retried == 1
        clock.advance(minutes=2)
        assert app.alerts.send_due().sent == 1
        clock.advance(days=1)
        assert app.alerts.send_due().sent == 0
    assert len(handler.messages) == 1
    [row] = outbox_rows(app)
    assert (row.status, row.attempts) == ("sent", 3)


def test_550_marks_the_row_dead_and_tells_the_operator(subscribed):
    handler = Handler(refuse=("a@example.org",))
    with smtp_server(handler) as port:
        app = subscribed(port)
        publish(app, [letter(LEEDS, date(2024, 10, 1))])
        report = app.alerts.send_due()
    assert (report.sent, report.dead) == (2, 1)  # b's alert and the operator's notice
    assert sorted(m["To"] for m in handler.messages) == ["b@example.org", OPERATOR]
    notice = next(m for m in handler.messages if m["To"] == OPERATOR)
    assert "a@example.org" in notice.get_content() and "550" in notice.get_content()
    dead = [r for r in outbox_rows(app) if r.recipient == "a@example.org"]
    assert [(r.status, r.attempts) for r in dead] == [("dead", 1)]
    assert "550" in dead[0].last_error


def test_a_server_that_is_down_leaves_everything_queued_for_the_next_run(subscribed, clock):
    port = free_port()
    app = subscribed(port)
    publish(app, [letter(LEEDS, date(2024, 10, 1), file_id="1"), letter(LEEDS, date(2024, 10, 8), file_id="2")])
    report = app.alerts.send_due()
    assert (report.sent, report.retried, report.dead) == (0, 4, 0)
    assert {r.status for r in outbox_rows(app)} == {"pending"}
    assert sum(r.attempts for r in outbox_rows(app)) == 1  # one connection refused; the rest were not tried
    handler = Handler()
    with smtp_server(handler, port):
        clock.advance(minutes=1)
        assert app.alerts.send_due().sent == 4
    assert len(handler.messages) == 4
    assert {r.status for r in outbox_rows(app)} == {"sent"}


def test_login_with_the_configured_user(subscribed, clock):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"ilacs", b"s3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    handler = Handler()
    with pytest.warns(UserWarning, match="AUTH while not requiring TLS"), \
            smtp_server(handler, auth_require_tls=False, auth_required=True, authenticator=authenticator) as port:
        wrong = subscribed(port, smtp_user="ilacs", smtp_password="wrong")
        publish(wrong, [letter(LEEDS, date(2024, 10, 1))])
        assert wrong.alerts.send_due().retried == 2  # a wrong password keeps everything queued
        clock.advance(minutes=1)
        assert subscribed(port, smtp_user="ilacs", smtp_password="s3cret").alerts.send_due().sent == 2
    assert len(handler.messages) == 2


def test_the_sender_classifies_replies():
    handler = Handler(["452 4.3.1 insufficient storage", "554 5.6.0 rejected"])
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "x@example.org", "y@example.org", "hi"
    message.set_content("hello\n")
    with smtp_server(handler) as port:
        sender = SmtpSender("127.0.0.1", port)
        with pytest.raises(DeliveryError) as temporary:
            sender.send(message)
        with pytest.raises(DeliveryError) as permanent:
            sender.send(message)
        sender.send(message)
    assert (temporary.value.permanent, permanent.value.permanent) == (False, True)
    with pytest.raises(ServerUnavailable):
        SmtpSender("127.0.0.1", free_port()).send(message)


@pytest.fixture(params=["recording", "maildir", "smtp"])
def any_sender(request, tmp_path):
    """Each sender, with a way to read back what it delivered."""
    if request.param == "recording":
        sender = RecordingSender()
        yield sender, lambda: [bytes(m) for m in sender.sent]
    elif request.param == "maildir":
        yield MaildirSender(tmp_path / "maildir"), lambda: [p.read_bytes() for p in
                                                            sorted((tmp_path / "maildir" / "new").glob("*.eml"))]
    else:
        handler = Handler()
        with smtp_server(handler) as port:
            yield SmtpSender("127.0.0.1", port), lambda: [bytes(m) for m in handler.messages]


def test_every_sender_delivers_the_message(any_sender):
    sender, delivered = any_sender
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "x@example.org", "y@example.org", "hello"
    message["Message-ID"] = "<1@ilacs>"
    message.set_content("the body\n")
    sender.send(message)
    [raw] = delivered()
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert (got["Message-ID"], got["Subject"], got.get_content()) == ("<1@ilacs>", "hello", "the body\n")


def test_without_an_smtp_host_emails_are_eml_files_in_the_data_directory(db_url, clock, tmp_path):
    app = make_app(db_url, clock, tmp_path, sender=None)
    app.alerts.subscribers.add("a@example.org")
    publish(app, [authority(LEEDS, "Leeds")], backfill=True)
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    assert app.alerts.send_due().sent == 1
    [eml] = (tmp_path / "maildir" / "new").glob("*.eml")
    assert email.message_from_bytes(eml.read_bytes())["To"] == "a@example.org"
    MaildirSender(tmp_path / "maildir").send(email.message_from_bytes(eml.read_bytes(), policy=email.policy.default))
    assert len(list((tmp_path / "maildir" / "new").glob("*.eml"))) == 1  # a resend replaces, never doubles
