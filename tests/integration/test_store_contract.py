"""One contract for every store: memory, SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest

from events.db import make_engine, migrate
from events.store import NewEvent, SqlEventStore
from events.types import VisitPublished
from events.upcasting import UPCASTERS, upcast
from tests.builders import authority, visit


def test_appends_in_one_global_order_with_recorded_at(store, clock):
    first = store.append([NewEvent(authority("1")), NewEvent(visit("1", date(2023, 1, 1)))])
    clock.advance(hours=1)
    second = store.append([NewEvent(visit("2", date(2023, 2, 1)))])
    records = list(store.read())
    assert [r.position for r in records] == [r.position for r in first + second]
    assert [r.position for r in records] == sorted(r.position for r in records)
    assert records[-1].recorded_at == clock.now and records[0].recorded_at < clock.now
    assert store.last_position() == records[-1].position


def test_same_fact_twice_records_nothing_new(store):
    v = visit("1", date(2023, 1, 1), file_id="123")
    assert len(store.append([NewEvent(v, "doc:123")])) == 1
    assert store.append([NewEvent(v, "doc:123")]) == []
    assert len(store.append([NewEvent(v, "doc:124"), NewEvent(v, "doc:124")])) == 1
    assert len(list(store.read())) == 2
    assert store.has_keys(["doc:123", "doc:999"]) == {"doc:123"}


def test_read_after_a_position_and_as_known_at_an_instant(store, clock):
    store.append([NewEvent(authority("1"))])
    then = clock.now
    clock.advance(days=1)
    store.append([NewEvent(authority("2"))])
    assert [r.data["urn"] for r in store.read(known_at=then)] == ["1"]
    first = next(iter(store.read()))
    assert [r.data["urn"] for r in store.read(after=first.position)] == ["2"]
    assert [r.type for r in store.read(types=["VisitPublished"])] == []


def test_data_round_trips_as_json(store):
    v = visit("7", date(2023, 1, 1), priority=True, file_id="5")
    store.append([NewEvent(v)])
    record = next(iter(store.read()))
    assert record.type == "VisitPublished" and record.schema_version == 1
    assert record.data == v.data() and record.data["visit_start"] == "2023-01-01"
    assert record.as_json()["recorded_at"].endswith("Z")


def test_each_authority_stream_counts_its_own_versions(store):
    store.append([NewEvent(authority("1")), NewEvent(authority("2")), NewEvent(visit("1", date(2023, 1, 1)))])
    assert [r.stream for r in store.read()] == ["authority-1", "authority-2", "authority-1"]


def test_upcasting_an_old_schema_version_when_read(monkeypatch):
    monkeypatch.setitem(UPCASTERS, ("VisitPublished", 1), lambda d: {**d, "topic": d["topic"].upper()})
    monkeypatch.setattr(VisitPublished, "SCHEMA_VERSION", 2)
    version, data = upcast("VisitPublished", 1, {"topic": "fd"})
    assert (version, data) == (2, {"topic": "FD"})


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_failing_batch_appends_nothing(backend, request, clock):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    engine = make_engine(url)
    migrate(engine)
    s = SqlEventStore(engine, clock)

    good = visit("1", date(2023, 1, 1))
    bad = dataclasses.replace(good, authority=object())  # cannot be stored: fails halfway through the batch
    with pytest.raises(TypeError):
        s.append([NewEvent(good, "a"), NewEvent(bad, "b")])
    # a crash after the rows went in, before the commit, leaves nothing either
    with pytest.raises(RuntimeError), engine.connect() as conn, conn.begin():
        s.append_in(conn, [NewEvent(good, "a"), NewEvent(visit("2", date(2023, 1, 1)), "c")])
        raise RuntimeError("crash before commit")
    assert list(s.read()) == []
    assert len(s.append([NewEvent(good, "a")])) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_writers_at_once_record_each_fact_once(backend, request, clock):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    migrate(make_engine(url))
    stores = [SqlEventStore(make_engine(url), clock) for _ in range(4)]
    batch = [NewEvent(visit("1", date(2023, 1, d)), f"doc:{d}") for d in range(1, 29)]
    errors = []

    def write(s):
        try:
            for i in range(0, len(batch), 4):
                s.append(batch[i:i + 4])
        except Exception as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    records = list(stores[0].read())
    assert sorted(r.key for r in records) == sorted(n.key for n in batch)
    versions = [r.position for r in records]
    assert versions == sorted(versions)


def test_read_rows_gives_each_event_narrowly_as_read_gives_it(store, clock):
    store.append([NewEvent(authority("1")), NewEvent(visit("1", date(2023, 1, 1)))])
    then = clock.now
    clock.advance(days=1)
    store.append([NewEvent(authority("2"))])
    assert list(store.read_rows()) == [(r.position, r.type, r.data) for r in store.read()]
    first = next(iter(store.read()))
    assert [row[2]["urn"] for row in store.read_rows(after=first.position, types=["AuthorityRecorded"])] == ["2"]
    assert [row[1] for row in store.read_rows(known_at=then)] == ["AuthorityRecorded", "VisitPublished"]


def test_positions_continue_from_the_last_across_appends(store):
    first = store.append([NewEvent(authority("1")), NewEvent(authority("2"))])
    second = store.append([NewEvent(authority("3"))])
    assert [r.position for r in first + second] == [1, 2, 3] == [r.position for r in store.read()]


def test_a_snapshot_is_kept_with_its_position_and_an_older_one_never_replaces_it(store):
    assert store.snapshot("facts") is None
    store.keep_snapshot("facts", 10, b"ten")
    store.keep_snapshot("facts", 5, b"five")
    assert store.snapshot("facts") == (10, b"ten")
    store.keep_snapshot("facts", 12, b"twelve")
    assert store.snapshot("facts") == (12, b"twelve")
    assert store.snapshot("other") is None
