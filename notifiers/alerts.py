"""Alerts, as the rest of the service sees them: queue with the events, send what is due, tell the operator."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy.engine import Connection, Engine

from events.types import Recorded
from notifiers import outbox
from notifiers.delivery import Delivery, SendReport
from notifiers.ports import Sender
from notifiers.render import Renderer
from notifiers.rules import matched_kinds, publications
from notifiers.schema import IMMEDIATE, OPERATOR, PENDING
from notifiers.subscribers import Subscribers, active, by_id
from notifiers.tokens import Tokens

log = logging.getLogger(__name__)
DIGEST_HOUR = 7  # UTC: a day's digest goes out at the start of the next working morning
MAX_ATTEMPTS = 12  # with the backoff, about a day of trying


def next_digest(now: datetime, hour: int = DIGEST_HOUR) -> datetime:
    """The next digest time after `now`."""
    today = datetime.combine(now.date(), time(hour), tzinfo=now.tzinfo)
    return today if now < today else today + timedelta(days=1)


class Alerts:
    """The subscribers, the outbox and the sender, on one database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], sender: Sender, renderer: Renderer,
                 tokens: Tokens, subscribers: Subscribers, operator_email: str | None = None,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.engine, self.clock, self.sender = engine, clock, sender
        self.tokens, self.subscribers = tokens, subscribers
        self.operator_email = operator_email
        self.delivery = Delivery(engine, sender, renderer, clock, max_attempts)

    def enqueue(self, conn: Connection | None, recorded: list[Recorded], backfill: bool) -> int:
        """Queue one row per (subscriber, new publication) matched, in the append's transaction; the number queued.

        A backfill alerts no one; the subscribers are those there are now, as the events are recorded.
        """
        if backfill:
            return 0
        if conn is None:
            log.info("no database connection (a memory store): %d events alert no one", len(recorded))
            return 0
        found = publications(conn, recorded)
        if not found:
            return 0
        now = self.clock()
        rows = []
        for subscriber in active(conn):
            for pub in found:
                kinds = matched_kinds(subscriber, pub)
                if not kinds:
                    continue
                due = now if subscriber.mode == IMMEDIATE else next_digest(now)
                rows.append({"subscriber_id": subscriber.id, "recipient": subscriber.email, "key": pub.key,
                             "mode": subscriber.mode, "status": PENDING, "attempts": 0, "next_attempt_at": due,
                             "payload": json.dumps({**pub.facts, "kinds": list(kinds)}, sort_keys=True),
                             "created_at": now})
        return outbox.insert(conn, rows)

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Send every message due (digests included); the operator hears once of any that died."""
        now = now or self.clock()
        report = self.delivery.run(now)
        if report.failures and self.operator(f"ilacs: {len(report.failures)} alerts could not be delivered",
                                             "\n".join(report.failures), key=f"dead:{now.isoformat()}"):
            report.add(self.delivery.run(now))
        return report

    def operator(self, subject: str, body: str, key: str | None = None) -> bool:
        """Queue a notice to the operator; the same subject once a day. True when queued."""
        if not self.operator_email:
            log.warning("no operator address (ILACS_OPERATOR_EMAIL) to tell: %s", subject)
            return False
        now = self.clock()
        key = key or f"operator:{now.date().isoformat()}:{hashlib.sha256(subject.encode()).hexdigest()[:16]}"
        row = {"subscriber_id": None, "recipient": self.operator_email, "key": key, "mode": OPERATOR,
               "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
               "payload": json.dumps({"subject": subject, "body": body}, sort_keys=True)}
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            return outbox.insert(conn, [row]) == 1

    def unsubscribe(self, token: str) -> str | None:
        """Unsubscribe whoever a valid token names; their address, or None for a token we did not make."""
        subscriber_id = self.tokens.subscriber_id(token)
        if subscriber_id is None:
            return None
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            found = by_id(conn, subscriber_id)
            if found is None or not self.tokens.valid(token, subscriber_id, found[0].email):
                return None
            subscriber, subscribed = found
            if subscribed:
                self.subscribers.remove_in(conn, subscriber.email)
            return subscriber.email
