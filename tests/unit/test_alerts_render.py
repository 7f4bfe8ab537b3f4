"""Rendering: HTML escaped, text as it is, the same bytes every time, headers that mail clients can follow."""
from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from notifiers.render import Renderer, long_date, message_id
from notifiers.subscribers import Subscriber
from notifiers.tokens import Tokens

NOW = datetime(2024, 11, 21, 9, 30, tzinfo=UTC)
SUBSCRIBER = Subscriber(3, "a@example.org", ("new-report", "priority-action"), (), ("London",), "immediate", NOW)
VISIT = {"type": "visit", "urn": "80447", "authority": "Tom & <Jerry>", "region": "London",
         "publication_date": "2024-11-21", "visit_start": "2024-10-01", "visit_end": "2024-10-03", "topic": "CIC",
         "priority_action": True, "grade": "Requires improvement", "url": "https://files.example/v1/file/1?a=1&b=2",
         "position": 9, "kinds": ["new-report", "priority-action"]}


def renderer(public_url: str = "https://ilacs.example.org") -> Renderer:
    return Renderer("ilacs <alerts@example.org>", public_url, Tokens(lambda: b"key"))


def test_dates_read_the_same_in_every_locale():
    assert (long_date("2024-01-05"), long_date(None)) == ("5 January 2024", "not given")


def test_html_is_escaped_and_text_is_not():
    msg = renderer().alert(SUBSCRIBER, "file:1", VISIT, NOW)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "Tom &amp; &lt;Jerry&gt;" in html and "<Jerry>" not in html
    assert 'href="https://files.example/v1/file/1?a=1&amp;b=2"' in html
    assert "Tom & <Jerry>" in text and "Grade at the time of the visit: Requires improvement" in text
    assert "children in care (CIC)" in text and "Priority actions: yes" in text


def test_the_same_alert_gives_the_same_bytes():
    assert bytes(renderer().alert(SUBSCRIBER, "file:1", VISIT, NOW)) == bytes(
        renderer().alert(SUBSCRIBER, "file:1", VISIT, NOW))


def test_the_message_id_is_one_per_subscriber_and_publication():
    msg = renderer().alert(SUBSCRIBER, "file:1", VISIT, NOW)
    assert msg["Message-ID"] == message_id("alert", "3", "file:1")
    others = {message_id("alert", "4", "file:1"), message_id("alert", "3", "file:2"),
              message_id("digest", "3", "file:1")}
    assert msg["Message-ID"] not in others and len(others) == 3


def test_a_long_unsubscribe_link_stays_one_followable_header_and_bodies_keep_short_lines():
    long_url = "https://alerts.children-services-tracker.example.org/some/deep/prefix/for/the/service"
    raw = bytes(renderer(long_url).alert(SUBSCRIBER, "file:1", VISIT, NOW))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["List-Unsubscribe"].startswith(f"<{long_url}/unsubscribe?token=3.")
    assert b"=?utf-8?" not in raw
    body = raw.split(b"\n\n", 1)[1]
    assert max(len(line) for line in body.splitlines()) <= 76


def test_the_report_is_credited_under_the_open_government_licence():
    msg = renderer().alert(SUBSCRIBER, "file:1", VISIT, NOW)
    for part in ("plain", "html"):
        content = msg.get_body((part,)).get_content()
        assert "Contains public sector information licensed under" in content
        assert "Open Government Licence v3.0" in content
        assert "https://files.example/v1/file/1" in content
