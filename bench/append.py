"""Appending the synthetic log in batches: our SqlEventStore on SQLite, and the eventsourcing library's.

Only the time spent appending is counted (making the events is not). Both sides get the same batches and
do what they need to record them in one global order with a version per stream: ours also turns away
facts already recorded (idempotency keys); eventsourcing's SQLiteApplicationRecorder has no such keys.
Each side serialises an event's state as it ships: ours with msgspec from the dataclass, eventsourcing's
the way its mapper does, the event's __dict__ through its JSONTranscoder (dates by a registered transcoding).
"""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, StoredEvent, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from bench import synthetic
from events.db import make_engine, migrate
from events.store import SqlEventStore

BATCH = 1000


class DateAsISO(Transcoding):
    """Dates as ISO strings, as the library's own DatetimeAsISO does for datetimes."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def transcoder() -> JSONTranscoder:
    """eventsourcing's JSON transcoder with what our events hold registered."""
    t = JSONTranscoder()
    t.register(DateAsISO())
    t.register(DatetimeAsISO())
    return t


class Ticking:
    """A clock one second later at each call: each batch is recorded at its own instant."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def append_ours(db: Path, events: int) -> float:
    """Seconds spent in SqlEventStore.append recording the first `events` events into a new SQLite file."""
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    store = SqlEventStore(engine, Ticking())
    spent = 0.0
    for batch in synthetic.batches(events, BATCH):
        started = time.perf_counter()
        store.append(batch)
        spent += time.perf_counter() - started
    engine.dispose()
    return spent


def append_eventsourcing(db: Path, events: int) -> float:
    """Seconds spent recording the same events with eventsourcing's SQLite application recorder."""
    datastore = SQLiteDatastore(str(db))
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    state = transcoder()
    ids: dict[str, UUID] = {}
    versions: dict[str, int] = {}
    spent = 0.0
    for batch in synthetic.batches(events, BATCH):
        started = time.perf_counter()
        stored = []
        for item in batch:
            stream = item.event.stream
            if stream not in ids:
                ids[stream] = uuid5(NAMESPACE_URL, stream)
            versions[stream] = versions.get(stream, 0) + 1
            stored.append(StoredEvent(ids[stream], versions[stream], item.event.TYPE,
                                      state.encode(item.event.__dict__.copy())))
        recorder.insert_events(stored)
        spent += time.perf_counter() - started
    datastore.close()
    return spent
