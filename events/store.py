"""The append-only event store on SQLAlchemy Core: SQLite by default, PostgreSQL in production.

One global order (`position`); a per-authority stream version guarded by a unique constraint; an
idempotency key per source fact, so that appending the same fact twice records nothing; a batch
appends whole or not at all.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from operator import itemgetter
from typing import Any, Protocol, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.compiler import SQLCompiler

from events.errors import StoreError
from events.types import EVENT_TYPES, Event, Recorded
from events.upcasting import upcast

log = logging.getLogger(__name__)

metadata = sa.MetaData()
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps stored in UTC on both backends, returned timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


events_table = sa.Table(
    "events", metadata,
    sa.Column("position", BigId, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("stream", sa.String(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("key", sa.String(255), nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    sa.UniqueConstraint("key", name="uq_events_key"),
    sqlite_autoincrement=True,
)

# a projection's state kept with the log position it reflects, so that a restart folds only newer events
snapshots_table = sa.Table(
    "snapshots", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", BigId, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

_RECORDED_AT = UTCDateTime()
_KEYS_IN = sa.select(events_table.c.key).where(events_table.c.key.in_(sa.bindparam("keys", expanding=True)))


@dataclass(frozen=True)
class NewEvent:
    """An event to append, with the idempotency key of the fact it states (None: always new)."""

    event: Event
    key: str | None = None


# runs inside the append's transaction (None for the memory store) with the events just recorded
AfterAppend = Callable[[Connection | None, list[Recorded]], None]
# (position, type, data): an event as a fold reads it, without its timestamp, stream or key
Row = tuple[int, str, dict[str, Any]]


class EventStore(Protocol):
    """The port every store implements; one contract test suite runs against each."""

    def append(self, batch: Sequence[NewEvent], after: AfterAppend | None = None) -> list[Recorded]:
        """Append the batch whole, skipping facts already recorded; return what was recorded.

        `after` runs inside the same transaction with what was recorded (an outbox writes its rows there).
        """
        ...

    def read(self, after: int = 0, known_at: datetime | None = None,
             types: Sequence[str] | None = None) -> Iterator[Recorded]:
        """The log in order, after a position, recorded on or before known_at."""
        ...

    def read_rows(self, after: int = 0, known_at: datetime | None = None,
                  types: Sequence[str] | None = None) -> Iterator[Row]:
        """As `read`, each event as (position, type, data) only: the narrow read a fold needs."""
        ...

    def last_position(self) -> int:
        """The position of the last event (0 when empty)."""
        ...

    def has_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these idempotency keys are already recorded."""
        ...

    def keep_snapshot(self, name: str, position: int, data: bytes) -> None:
        """Keep a projection's state as of a log position, unless one as of a later position is kept."""
        ...

    def snapshot(self, name: str) -> tuple[int, bytes] | None:
        """The kept state of a projection, with the log position it reflects."""
        ...


_EVENT_ENCODER = msgspec.json.Encoder(order="sorted")


def encode(event: Event) -> tuple[str, dict[str, Any]]:
    """An event's data as the log stores it (JSON, keys sorted, dates in ISO 8601) and as a dict.

    msgspec encodes the dataclass in C, several times faster than building a dict and encoding that.
    """
    text = _EVENT_ENCODER.encode(event)
    return text.decode(), msgspec.json.decode(text)


def _decoded(type_: str, version: int, text: str) -> tuple[int, dict[str, Any]]:
    """Stored data at its type's current schema version."""
    try:
        data = msgspec.json.decode(text)  # several times faster than json on a long log
    except msgspec.DecodeError:
        data = json.loads(text)  # what only json reads (NaN, lone surrogates) is read as before
    cls = EVENT_TYPES.get(type_)
    if cls is not None and version < cls.SCHEMA_VERSION:
        return upcast(type_, version, data)
    return version, data


def plan_batch(batch: Sequence[NewEvent], existing: set[str],
               versions: Callable[[set[str]], dict[str, int]]) -> list[tuple[NewEvent, int]]:
    """Drop the already-recorded and repeated facts; give each kept event its next stream version."""
    seen = set(existing)
    kept = []
    for item in batch:
        if item.key is not None:
            if item.key in seen:
                continue
            seen.add(item.key)
        kept.append(item)
    streams = [item.event.stream for item in kept]  # a property that formats a string: asked once
    current = versions(set(streams))
    planned = []
    for item, stream in zip(kept, streams, strict=True):
        current[stream] = current.get(stream, 0) + 1
        planned.append((item, current[stream]))
    return planned


def stream_rows(conn: Connection, stream: str) -> Iterator[Row]:
    """One stream's events as (position, type, data) rows, read in the caller's transaction."""
    t = events_table
    query = sa.select(t.c.position, t.c.type, t.c.schema_version, t.c.data).where(t.c.stream == stream)
    for position, type_, version, text in conn.execute(query.order_by(t.c.version)):
        yield position, type_, _decoded(type_, version, text)[1]


class SqlEventStore:
    """The store on a SQLAlchemy engine (see `events.db` for making one)."""

    RETRIES = 5

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock
        self._inserts: dict[str, SQLCompiler] = {}  # the insert, compiled for each dialect met

    def append(self, batch: Sequence[NewEvent], after: AfterAppend | None = None) -> list[Recorded]:
        for attempt in range(self.RETRIES):
            try:
                with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
                    recorded = self.append_in(conn, batch)
                    if after is not None and recorded:
                        after(conn, recorded)
                    return recorded
            except sa.exc.IntegrityError as err:
                # another writer took a key or a stream version between our read and our write: retry
                log.info("append conflict (attempt %d): %s", attempt + 1, err.orig)
        raise StoreError(f"could not append {len(batch)} events after {self.RETRIES} conflicts")

    def append_in(self, conn: Connection, batch: Sequence[NewEvent]) -> list[Recorded]:
        """Append within the caller's transaction (so an outbox row can commit with its event)."""
        if not batch:
            return []
        if conn.dialect.name == "postgresql":
            # serialise writers so that positions commit in order and readers never skip one
            conn.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")
        keys = [item.key for item in batch if item.key is not None]
        existing = self._existing_keys(conn, keys)
        planned = plan_batch(batch, existing, lambda streams: self._versions(conn, streams))
        if not planned:
            return []
        now = self.clock()
        first = self.last_position_in(conn) + 1  # writers are serialised: the next positions are ours
        convert = _RECORDED_AT.bind_processor(conn.dialect)
        stamp = convert(now) if convert else now  # the same for every row: converted once
        encoded = [encode(item.event) for item, _ in planned]
        data = [d for _, d in encoded]
        rows: list[dict[str, Any]] = [
            {"position": position, "type": item.event.TYPE, "schema_version": item.event.SCHEMA_VERSION,
             "recorded_at": stamp, "stream": item.event.stream, "version": version, "key": item.key, "data": text}
            for position, (item, version), (text, _) in zip(count(first), planned, encoded)]
        self._insert(conn, rows)
        return [Recorded(r["position"], r["type"], r["schema_version"], now, d, r["stream"], r["key"])
                for r, d in zip(rows, data, strict=True)]

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """One executemany on the driver, the rows' values already as the database takes them: SQLAlchemy's
        handling of each row's parameters costs more than the database's insert."""
        insert = self._inserts.get(conn.dialect.name)
        if insert is None:
            insert = cast(SQLCompiler, events_table.insert().compile(dialect=conn.dialect))
            self._inserts[conn.dialect.name] = insert
        if insert.positional:
            in_order = itemgetter(*insert.positiontup or ())
            conn.exec_driver_sql(str(insert), [in_order(row) for row in rows])
        else:
            conn.exec_driver_sql(str(insert), rows)

    def _existing_keys(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        if conn.dialect.name == "sqlite":  # one parameter, not one per key: binding hundreds costs more than the lookup
            query = "SELECT key FROM events WHERE key IN (SELECT value FROM json_each(?))"
            return {row[0] for row in conn.exec_driver_sql(query, (msgspec.json.encode(list(keys)).decode(),))}
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            found.update(conn.execute(_KEYS_IN, {"keys": keys[i:i + 500]}).scalars())
        return found

    def _versions(self, conn: Connection, streams: set[str]) -> dict[str, int]:
        current: dict[str, int] = {}
        names = sorted(streams)
        for i in range(0, len(names), 500):
            chunk = names[i:i + 500]
            query = (sa.select(events_table.c.stream, sa.func.max(events_table.c.version))
                     .where(events_table.c.stream.in_(chunk)).group_by(events_table.c.stream))
            current.update({stream: version for stream, version in conn.execute(query)})
        return current

    def read(self, after: int = 0, known_at: datetime | None = None,
             types: Sequence[str] | None = None) -> Iterator[Recorded]:
        t = events_table
        query = self._selected(sa.select(t.c.position, t.c.type, t.c.schema_version, t.c.data, t.c.recorded_at,
                                         t.c.stream, t.c.key), after, known_at, types)
        with self.engine.connect() as conn:
            for position, type_, version, text, recorded_at, stream, key in (
                    conn.execution_options(yield_per=5000).execute(query)):
                version, data = _decoded(type_, version, text)
                yield Recorded(position, type_, version, recorded_at, data, stream, key)

    def read_rows(self, after: int = 0, known_at: datetime | None = None,
                  types: Sequence[str] | None = None) -> Iterator[Row]:
        t = events_table
        query = self._selected(sa.select(t.c.position, t.c.type, t.c.schema_version, t.c.data), after, known_at, types)
        with self.engine.connect() as conn:
            for position, type_, version, text in conn.execution_options(yield_per=5000).execute(query):
                yield position, type_, _decoded(type_, version, text)[1]

    @staticmethod
    def _selected(query: sa.Select[Any], after: int, known_at: datetime | None,
                  types: Sequence[str] | None) -> sa.Select[Any]:
        t = events_table
        query = query.where(t.c.position > after).order_by(t.c.position)
        if known_at is not None:
            query = query.where(t.c.recorded_at <= known_at)
        if types:
            query = query.where(t.c.type.in_(list(types)))
        return query

    def last_position(self) -> int:
        with self.engine.connect() as conn:
            return self.last_position_in(conn)

    @staticmethod
    def last_position_in(conn: Connection) -> int:
        """The position of the last event, within the caller's transaction."""
        return conn.execute(sa.select(sa.func.coalesce(sa.func.max(events_table.c.position), 0))).scalar_one()

    def has_keys(self, keys: Sequence[str]) -> set[str]:
        with self.engine.connect() as conn:
            return self._existing_keys(conn, list(keys))

    def keep_snapshot(self, name: str, position: int, data: bytes) -> None:
        t = snapshots_table
        try:
            with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
                kept = conn.execute(sa.select(t.c.position).where(t.c.name == name)).scalar()
                if kept is not None and kept >= position:
                    return
                conn.execute(t.delete().where(t.c.name == name))
                conn.execute(t.insert().values(name=name, position=position, data=data))
        except sa.exc.IntegrityError:
            log.info("snapshot %s: another process kept one at the same time", name)

    def snapshot(self, name: str) -> tuple[int, bytes] | None:
        t = snapshots_table
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.position, t.c.data).where(t.c.name == name)).first()
        return (row.position, row.data) if row else None


class MemoryEventStore:
    """The same contract in memory, for unit tests."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.records: list[Recorded] = []
        self.keys: set[str] = set()
        self.versions: dict[str, int] = {}
        self.snapshots: dict[str, tuple[int, bytes]] = {}

    def append(self, batch: Sequence[NewEvent], after: AfterAppend | None = None) -> list[Recorded]:
        planned = plan_batch(batch, self.keys, lambda streams: {s: self.versions.get(s, 0) for s in streams})
        now = self.clock()
        out: list[Recorded] = []
        for item, _ in planned:
            # round-trip through JSON so that the memory store returns exactly what SQL stores do
            record = Recorded(len(self.records) + 1 + len(out), item.event.TYPE, item.event.SCHEMA_VERSION, now,
                              encode(item.event)[1], item.event.stream, item.key)
            out.append(record)
        if after is not None and out:
            after(None, out)  # before anything is kept, so that a failure appends nothing
        for item, version in planned:
            self.versions[item.event.stream] = version
            if item.key is not None:
                self.keys.add(item.key)
        self.records.extend(out)
        return out

    def read(self, after: int = 0, known_at: datetime | None = None,
             types: Sequence[str] | None = None) -> Iterator[Recorded]:
        for record in self.records[after:]:
            if known_at is not None and record.recorded_at > known_at:
                continue
            if types and record.type not in types:
                continue
            yield record

    def read_rows(self, after: int = 0, known_at: datetime | None = None,
                  types: Sequence[str] | None = None) -> Iterator[Row]:
        for record in self.read(after, known_at, types):
            yield record.position, record.type, record.data

    def last_position(self) -> int:
        return len(self.records)

    def has_keys(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.keys}

    def keep_snapshot(self, name: str, position: int, data: bytes) -> None:
        if name not in self.snapshots or self.snapshots[name][0] < position:
            self.snapshots[name] = (position, data)

    def snapshot(self, name: str) -> tuple[int, bytes] | None:
        return self.snapshots.get(name)
