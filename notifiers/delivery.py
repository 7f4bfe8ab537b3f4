"""Sending what is due from the outbox: claim, render, send, settle; backoff on temporary failures."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine

from events.errors import DeliveryError
from notifiers import outbox
from notifiers.outbox import Row
from notifiers.ports import Sender, ServerUnavailable
from notifiers.render import Renderer
from notifiers.schema import DEAD, DIGEST, OPERATOR, PENDING, SENT
from notifiers.subscribers import by_id

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=15)  # a claim older than this belongs to a sender that died: send again
CLAIM = 20  # rows claimed at a time, so that a claim is always sent well within its lease


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: doubling from a minute, at most six hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


@dataclass
class SendReport:
    """What one run did, counted in messages."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    failures: list[str] = field(default_factory=list)  # the subscribers' messages that died, and why

    def add(self, other: SendReport) -> None:
        """Count another run's messages in."""
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.failures += other.failures

    def summary(self) -> str:
        """The line `ilacs notify` prints."""
        return f"alerts: {self.sent} sent, {self.retried} to retry, {self.dead} undeliverable"


def groups(rows: list[Row]) -> list[list[Row]]:
    """One message per row, except a subscriber's digest rows, which go together."""
    out: list[list[Row]] = []
    digests: dict[int | None, list[Row]] = {}
    for row in rows:
        if row.mode == DIGEST:
            if row.subscriber_id not in digests:
                digests[row.subscriber_id] = []
                out.append(digests[row.subscriber_id])
            digests[row.subscriber_id].append(row)
        else:
            out.append([row])
    return out


class Delivery:
    """Sends due rows through one sender; a server that cannot be reached ends the run."""

    def __init__(self, engine: Engine, sender: Sender, renderer: Renderer, clock: Callable[[], datetime],
                 max_attempts: int) -> None:
        self.engine, self.sender, self.renderer, self.clock = engine, sender, renderer, clock
        self.max_attempts = max_attempts

    def run(self, now: datetime) -> SendReport:
        """Send everything due at `now`."""
        report = SendReport()
        # each lease runs from its claim, not from the start of a run that may have taken a while
        while rows := outbox.claim(self.engine, now, max(now, self.clock()) + LEASE, CLAIM):
            batches = groups(rows)
            for i, batch in enumerate(batches):
                if self.deliver(batch, now, report):
                    continue
                later = now + backoff(batch[0].attempts + 1)
                log.warning("mail server unavailable: %d more messages wait until %s", len(batches) - i - 1,
                            later.isoformat())
                for untried in batches[i + 1:]:
                    outbox.settle(self.engine, [r.id for r in untried], False, status=PENDING, next_attempt_at=later)
                    report.retried += 1
                return report
        return report

    def deliver(self, batch: list[Row], now: datetime, report: SendReport) -> bool:
        """Render, send and settle one message; False when the server cannot be reached at all."""
        ids = [r.id for r in batch]
        message = self._render(batch, now)
        if message is None:
            outbox.settle(self.engine, ids, False, status=DEAD, last_error="unsubscribed")
            return True
        mid = str(message["Message-ID"])
        try:
            self.sender.send(message)
        except DeliveryError as err:
            self._failed(batch, mid, err, now, report)
            return not isinstance(err, ServerUnavailable)
        outbox.settle(self.engine, ids, True, status=SENT, sent_at=now, message_id=mid, last_error=None)
        report.sent += 1
        return True

    def _failed(self, batch: list[Row], mid: str, err: DeliveryError, now: datetime, report: SendReport) -> None:
        ids, first = [r.id for r in batch], batch[0]
        attempts = first.attempts + 1
        if err.permanent or attempts >= self.max_attempts:
            log.error("giving up on %s to %s after %d attempts: %s", mid, first.recipient, attempts, err)
            outbox.settle(self.engine, ids, True, status=DEAD, last_error=str(err), message_id=mid)
            report.dead += 1
            if first.mode != OPERATOR:  # the operator hears of others' failures, not of their own
                report.failures.append(f"{first.recipient} ({first.key}): {err}")
            return
        log.warning("will retry %s to %s: %s", mid, first.recipient, err)
        outbox.settle(self.engine, ids, True, status=PENDING, next_attempt_at=now + backoff(attempts),
                      last_error=str(err), message_id=mid)
        report.retried += 1

    def _render(self, batch: list[Row], now: datetime) -> EmailMessage | None:
        first = batch[0]
        if first.mode == OPERATOR:
            return self.renderer.notice(first.recipient, first.key, first.payload["subject"], first.payload["body"],
                                        now)
        with self.engine.connect() as conn:
            found = by_id(conn, first.subscriber_id) if first.subscriber_id is not None else None
        if found is None or not found[1]:
            return None  # unsubscribed since it was queued
        subscriber = found[0]
        if first.mode == DIGEST:
            return self.renderer.digest(subscriber, [r.key for r in batch], [r.payload for r in batch], now)
        return self.renderer.alert(subscriber, first.key, first.payload, now)
