"""The emails byte for byte, from events to bytes, with the clock and the ids fixed (same on every backend).

After a deliberate change to the emails: ILACS_UPDATE_GOLDEN=1 pytest tests/integration/test_outbox_golden.py
"""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from notifiers.ports import RecordingSender
from tests import alerthelpers
from tests.alerthelpers import grade_changed, judgement, letter, make_app, publish
from tests.builders import authority

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
LEEDS, YORK = "80447", "80448"

db_url = alerthelpers.db_url  # the same tests on SQLite and PostgreSQL


def check(name: str, raw: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("ILACS_UPDATE_GOLDEN"):
        path.write_bytes(raw)
    assert raw == path.read_bytes(), f"{name} differs from the golden file (see the module docstring)"


@pytest.fixture
def app(db_url, clock, tmp_path):
    clock.now = datetime(2024, 11, 21, 9, 30, tzinfo=UTC)
    app = make_app(db_url, clock, tmp_path, RecordingSender())
    publish(app, [authority(LEEDS, "Leeds & <Bramley>", region="Yorkshire and the Humber"),
                  authority(YORK, "York", region="Yorkshire and the Humber"),
                  judgement(LEEDS, date(2022, 3, 1), "Good", "100")], backfill=True)
    yield app
    app.engine.dispose()


def test_an_alert_email_is_pinned_byte_for_byte(app):
    app.alerts.subscribers.add("reader@example.org", urns=[LEEDS])
    publish(app, [letter(LEEDS, date(2024, 10, 1), topic="PDMOC", priority=True, name="Leeds")])
    app.alerts.send_due()
    check("alert_visit.eml", bytes(app.alerts.sender.sent[0]))


def test_a_grade_change_email_is_pinned_byte_for_byte(app):
    app.alerts.subscribers.add("grades@example.org", "new-report,grade-changed", regions=["Yorkshire and the Humber"])
    publish(app, [judgement(LEEDS, date(2024, 11, 20), "Outstanding", "300", inspected=date(2024, 9, 9)),
                  grade_changed(LEEDS, date(2024, 11, 20), "Good", "Outstanding", "300")])
    app.alerts.send_due()
    check("alert_grade_changed.eml", bytes(app.alerts.sender.sent[0]))


def test_a_digest_email_is_pinned_byte_for_byte(app, clock):
    app.alerts.subscribers.add("daily@example.org", mode="digest")
    publish(app, [letter(LEEDS, date(2024, 10, 1), file_id="1", name="Leeds")])
    publish(app, [letter(YORK, date(2024, 10, 8), topic="CL", file_id="2", name="York")])
    clock.now = datetime(2024, 11, 22, 7, 0, tzinfo=UTC)
    app.alerts.send_due()
    check("digest.eml", bytes(app.alerts.sender.sent[0]))


def test_an_operator_notice_is_pinned_byte_for_byte(app):
    app.alerts.operator("ilacs: the last 3 polls failed", "2024-11-21 06:00 poll failed: the search no longer parses")
    app.alerts.send_due()
    check("operator.eml", bytes(app.alerts.sender.sent[0]))
