"""Test helpers for alerts: an app on a given database with a recording sender, and publishing through the hook."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from events.store import NewEvent
from events.types import Event, GradeChanged, InspectionPublished, VisitPublished
from notifiers.ports import Sender
from notifiers.schema import outbox_table
from service import bootstrap
from service.settings import Settings

OPERATOR = "ops@example.org"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same tests on SQLite and PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def make_app(url: str, clock: Any, data_dir: Path, sender: Sender | None = None, **settings: Any) -> bootstrap.App:
    """An app on `url` whose emails go to `sender` (None: the sender the settings choose)."""
    values = {"data_dir": data_dir, "database_url": url, "public_url": "https://ilacs.example.org",
              "secret_key": "test-secret", "operator_email": OPERATOR,
              "smtp_from": "ilacs alerts <alerts@ilacs.example.org>"} | settings
    return bootstrap.build(Settings(**values), clock=clock, sender=sender)


def publish(app: bootstrap.App, events: Sequence[Event], backfill: bool = False) -> int:
    """Append events as the poller does, queueing alerts in the same transaction; the number queued."""
    assert app.alerts is not None
    alerts = app.alerts
    queued: list[int] = []
    app.store.append([NewEvent(e) for e in events],
                     after=lambda conn, recorded: queued.append(alerts.enqueue(conn, recorded, backfill)))
    return sum(queued)


def outbox_rows(app: bootstrap.App) -> list[Any]:
    """Every outbox row, in order."""
    assert app.engine is not None
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)))


def letter(urn: str, start: date, topic: str = "FD", priority: bool = False, file_id: str = "9001",
           published: date = date(2024, 11, 21), name: str = "Leeds") -> VisitPublished:
    """A focused-visit letter as the poller records it."""
    return VisitPublished(urn=urn, authority=name, publication_date=published, visit_start=start,
                          visit_end=start + timedelta(days=2),
                          topic=topic, priority_action=priority, url=f"https://files.ofsted.gov.uk/v1/file/{file_id}",
                          file_id=file_id)


def judgement(urn: str, published: date, overall: str | None, file_id: str, framework: str = "ILACS",
              name: str = "Leeds", inspected: date | None = None) -> InspectionPublished:
    """A judgement report as the poller records it."""
    return InspectionPublished(urn=urn, authority=name, publication_date=published, inspection_start=inspected,
                               inspection_end=inspected + timedelta(days=11) if inspected else None,
                               framework=framework, overall=overall,
                               url=f"https://files.ofsted.gov.uk/v1/file/{file_id}", file_id=file_id)


def grade_changed(urn: str, published: date, previous: str, new: str, file_id: str,
                  name: str = "Leeds") -> GradeChanged:
    """The grade change the poller appends with a report."""
    return GradeChanged(urn=urn, authority=name, effective_date=published, previous=previous, new=new,
                        file_id=file_id)
