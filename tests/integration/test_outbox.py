"""Alerts on SQLite and PostgreSQL: queued with their events, once per (subscriber, publication), sent once."""
from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from events.errors import DeliveryError
from events.store import MemoryEventStore, NewEvent
from notifiers.ports import RecordingSender
from notifiers.render import message_id
from notifiers.schema import outbox_table
from tests import alerthelpers
from tests.alerthelpers import OPERATOR, grade_changed, judgement, letter, make_app, outbox_rows, publish
from tests.builders import authority

LEEDS, YORK = "80447", "80448"

db_url = alerthelpers.db_url  # the same tests on SQLite and PostgreSQL


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def app(db_url, clock, tmp_path, sender):
    app = make_app(db_url, clock, tmp_path, sender)
    publish(app, [authority(LEEDS, "Leeds", region="Yorkshire and the Humber"),
                  authority(YORK, "York", region="Yorkshire and the Humber"),
                  judgement(LEEDS, date(2022, 3, 1), "Good", "100")], backfill=True)
    yield app
    app.engine.dispose()


def kinds_by_recipient(app) -> dict[str, list[str]]:
    return {row.recipient: json.loads(row.payload)["kinds"] for row in outbox_rows(app)}


def test_backfill_sends_no_alerts(app, sender):
    app.alerts.subscribers.add("all@example.org")
    assert publish(app, [letter(LEEDS, date(2024, 10, 1), priority=True)], backfill=True) == 0
    assert outbox_rows(app) == []
    assert app.alerts.send_due().sent == 0 and sender.sent == []


def test_a_publication_alerts_each_matching_subscriber_once_naming_every_kind(app):
    app.alerts.subscribers.add("all@example.org")
    app.alerts.subscribers.add("pdmoc@example.org", "pdmoc")
    app.alerts.subscribers.add("grades@example.org", "grade-changed")
    queued = publish(app, [letter(LEEDS, date(2024, 10, 1), topic="PDMOC", priority=True)])
    assert queued == 2
    assert kinds_by_recipient(app) == {"all@example.org": ["new-report", "priority-action", "pdmoc"],
                                       "pdmoc@example.org": ["pdmoc"]}


def test_a_grade_change_joins_the_report_that_made_it(app):
    app.alerts.subscribers.add("grades@example.org", "grade-changed")
    app.alerts.subscribers.add("reports@example.org", "new-report")
    publish(app, [judgement(LEEDS, date(2024, 11, 20), "Outstanding", "300"),
                  grade_changed(LEEDS, date(2024, 11, 20), "Good", "Outstanding", "300")])
    rows = outbox_rows(app)
    assert [(r.recipient, r.key) for r in rows] == [("grades@example.org", "file:300"),
                                                    ("reports@example.org", "file:300")]
    payload = json.loads(rows[0].payload)
    assert payload["kinds"] == ["grade-changed"]
    assert (payload["grade"], payload["previous"], payload["grade_changed"]) == ("Outstanding", "Good", True)


def test_narrowing_by_urn_or_region_uses_the_latest_authority_record(app):
    app.alerts.subscribers.add("leeds@example.org", urns=[LEEDS])
    app.alerts.subscribers.add("london@example.org", regions=["london"])
    publish(app, [authority(YORK, "York", region="London")])  # an analyst's correction: the latest record wins
    publish(app, [letter(LEEDS, date(2024, 10, 1), file_id="1"), letter(YORK, date(2024, 10, 1), file_id="2",
                                                                        name="York")])
    assert [(r.recipient, r.key) for r in outbox_rows(app)] == [("leeds@example.org", "file:1"),
                                                                ("london@example.org", "file:2")]


def test_the_grade_at_the_time_of_the_visit_comes_from_the_log(app):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2022, 2, 1), file_id="1", published=date(2024, 11, 20)),
                  letter(LEEDS, date(2024, 10, 1), file_id="2")])
    assert [json.loads(r.payload)["grade"] for r in outbox_rows(app)] == ["Not inspected", "Good"]


def test_only_subscribers_that_existed_when_it_was_recorded_hear_of_it(app, clock):
    app.alerts.subscribers.add("early@example.org")
    app.alerts.subscribers.add("gone@example.org")
    app.alerts.subscribers.remove("gone@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    clock.advance(hours=1)
    app.alerts.subscribers.add("late@example.org")
    assert list(kinds_by_recipient(app)) == ["early@example.org"]


def test_the_same_publication_is_queued_once_per_subscriber(app):
    app.alerts.subscribers.add("all@example.org")
    recorded = app.store.append([NewEvent(letter(LEEDS, date(2024, 10, 1)))])
    with app.engine.begin() as conn:
        assert app.alerts.enqueue(conn, recorded, False) == 1
        assert app.alerts.enqueue(conn, recorded, False) == 0
    assert len(outbox_rows(app)) == 1


def test_a_failed_append_queues_nothing(app):
    app.alerts.subscribers.add("all@example.org")

    def enqueue_then_fail(conn, recorded):
        assert app.alerts.enqueue(conn, recorded, False) == 1
        raise RuntimeError("crash after queueing")

    with pytest.raises(RuntimeError):
        app.store.append([NewEvent(letter(LEEDS, date(2024, 10, 1)))], after=enqueue_then_fail)
    assert outbox_rows(app) == []
    assert [r.type for r in app.store.read(types=["VisitPublished"])] == []


def test_a_memory_store_queues_nothing(app, clock):
    store = MemoryEventStore(clock)
    queued = []
    store.append([NewEvent(letter(LEEDS, date(2024, 10, 1)))],
                 after=lambda conn, recorded: queued.append(app.alerts.enqueue(conn, recorded, False)))
    assert queued == [0]


def test_due_alerts_are_sent_once_and_marked_sent(app, sender, clock):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    report = app.alerts.send_due()
    assert (report.sent, report.retried, report.dead) == (1, 0, 0)
    assert app.alerts.send_due().sent == 0
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.sent_at, row.message_id) == ("sent", 1, clock.now,
                                                                       sender.sent[0]["Message-ID"])
    assert len(sender.sent) == 1 and sender.sent[0]["To"] == "all@example.org"


def test_temporary_failures_back_off_then_succeed(app, sender, clock):
    sender.fail_with = [DeliveryError("451 busy"), DeliveryError("451 busy")]
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    assert app.alerts.send_due().retried == 1
    assert app.alerts.send_due().retried == 0  # waiting for its next attempt
    clock.advance(minutes=1)
    assert app.alerts.send_due().retried == 1
    clock.advance(minutes=1)
    assert app.alerts.send_due().sent == 0  # the second wait is twice as long
    clock.advance(minutes=1)
    assert app.alerts.send_due().sent == 1
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_too_many_tries_is_dead_and_the_operator_hears_once(db_url, clock, tmp_path, sender):
    app = make_app(db_url, clock, tmp_path, sender)
    app.alerts.delivery.max_attempts = 2
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    sender.fail_with = [DeliveryError("451 busy"), DeliveryError("452 still busy")]
    app.alerts.send_due()
    clock.advance(minutes=1)
    report = app.alerts.send_due()
    assert (report.dead, report.sent) == (1, 1)  # the alert died; the operator's notice went
    assert [m["To"] for m in sender.sent] == [OPERATOR]
    assert "all@example.org (file:9001): 452 still busy" in sender.sent[0].get_content()
    clock.advance(days=1)
    assert app.alerts.send_due().sent == 0
    app.engine.dispose()


def test_a_daily_digest_lists_the_days_publications_in_one_email(app, sender, clock):
    app.alerts.subscribers.add("daily@example.org", mode="digest")
    app.alerts.subscribers.add("now@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1), file_id="1")])
    clock.advance(hours=5)
    publish(app, [letter(YORK, date(2024, 10, 8), file_id="2", name="York")])
    assert app.alerts.send_due().sent == 2
    assert [m["To"] for m in sender.sent] == ["now@example.org", "now@example.org"]
    clock.now = datetime(2024, 11, 22, 7, 0, tzinfo=UTC)
    assert app.alerts.send_due().sent == 1
    digest = sender.sent[-1]
    assert digest["To"] == "daily@example.org" and "2 publications" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    assert "Leeds" in text and "York" in text
    assert {r.status for r in outbox_rows(app)} == {"sent"}


def test_unsubscribed_before_sending_is_not_sent(app, sender):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    app.alerts.subscribers.remove("all@example.org")
    assert app.alerts.send_due().sent == 0 and sender.sent == []
    assert [(r.status, r.last_error) for r in outbox_rows(app)] == [("dead", "unsubscribed")]


def test_one_click_tokens_unsubscribe_only_their_own_subscriber(app, sender):
    app.alerts.subscribers.add("a@example.org")
    app.alerts.subscribers.add("b@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    app.alerts.send_due()
    links = {m["To"]: m["List-Unsubscribe"].strip("<>") for m in sender.sent}
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in sender.sent)
    token_a = links["a@example.org"].split("token=")[1]
    id_a, _, mac_a = token_a.partition(".")
    id_b = links["b@example.org"].split("token=")[1].partition(".")[0]
    assert links["a@example.org"].startswith("https://ilacs.example.org/unsubscribe?token=")
    assert app.alerts.unsubscribe(f"{id_b}.{mac_a}") is None  # a's signature does not open b
    assert app.alerts.unsubscribe(f"{id_a}.{mac_a[:-2]}xx") is None
    assert app.alerts.unsubscribe("not a token") is None
    assert [s.email for s in app.alerts.subscribers.current()] == ["a@example.org", "b@example.org"]
    assert app.alerts.unsubscribe(token_a) == "a@example.org"
    assert app.alerts.unsubscribe(token_a) == "a@example.org"  # a second click says the same
    assert [s.email for s in app.alerts.subscribers.current()] == ["b@example.org"]


def test_the_operator_hears_once_a_day_per_subject(app, sender, clock):
    assert app.alerts.operator("ilacs: the last 3 polls failed", "details")
    assert not app.alerts.operator("ilacs: the last 3 polls failed", "details again")
    assert app.alerts.send_due().sent == 1
    clock.advance(days=1)
    assert app.alerts.operator("ilacs: the last 3 polls failed", "still failing")
    assert app.alerts.send_due().sent == 1
    assert [m["Subject"] for m in sender.sent] == ["ilacs: the last 3 polls failed"] * 2


def test_no_operator_address_means_no_notice(db_url, clock, tmp_path, sender):
    app = make_app(db_url, clock, tmp_path, sender, operator_email=None)
    assert not app.alerts.operator("ilacs: the last 3 polls failed", "details")
    assert outbox_rows(app) == []
    app.engine.dispose()


def test_a_claim_left_by_a_dead_sender_is_sent_again_with_the_same_message_id(app, sender, clock):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    with app.engine.begin() as conn:  # as if a sender claimed the row and died before settling it
        conn.execute(outbox_table.update().values(status="sending", next_attempt_at=clock.now + timedelta(minutes=15)))
    assert app.alerts.send_due().sent == 0
    clock.advance(minutes=15)
    assert app.alerts.send_due().sent == 1
    [message] = sender.sent
    [row] = outbox_rows(app)
    assert message["Message-ID"] == row.message_id == message_id("alert", str(row.subscriber_id), "file:9001")


def test_two_senders_at_once_send_each_alert_once(db_url, clock, tmp_path):
    senders = [RecordingSender(), RecordingSender()]
    apps = [make_app(db_url, clock, tmp_path, s) for s in senders]
    for n in range(30):
        apps[0].alerts.subscribers.add(f"s{n}@example.org")
    publish(apps[0], [authority(LEEDS, "Leeds")], backfill=True)
    assert publish(apps[0], [letter(LEEDS, date(2024, 10, 1), file_id="1"),
                             letter(LEEDS, date(2024, 10, 8), file_id="2")]) == 60
    start = threading.Barrier(2)
    reports = [None, None]

    def run(i):
        start.wait()
        reports[i] = apps[i].alerts.send_due()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [m["Message-ID"] for s in senders for m in s.sent]
    assert len(sent) == len(set(sent)) == 60
    assert sum(r.sent for r in reports) == 60
    for a in apps:
        a.engine.dispose()


def test_rebuilding_projections_and_past_tables_send_nothing(app, sender, clock):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    app.alerts.send_due()
    before = len(sender.sent), len(outbox_rows(app))
    clock.advance(days=1)
    app.projection.facts()
    app.projection.tables(date(2023, 1, 1), known_at=clock.now - timedelta(days=2))
    app.projection.tables(date(2024, 11, 21))
    assert app.alerts.send_due().sent == 0
    assert (len(sender.sent), len(outbox_rows(app))) == before


def test_outbox_keeps_one_row_per_subscriber_and_publication(app):
    app.alerts.subscribers.add("all@example.org")
    publish(app, [letter(LEEDS, date(2024, 10, 1))])
    [row] = outbox_rows(app)
    duplicate = {c.name: getattr(row, c.name) for c in outbox_table.columns if c.name != "id"}
    with pytest.raises(sa.exc.IntegrityError), app.engine.begin() as conn:
        conn.execute(outbox_table.insert().values(**duplicate))
