"""The projection: the latest facts cached, kept as a snapshot, and a restart folding only newer events."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from events.facts import Facts, fold
from events.projection import SNAPSHOT, Projection
from events.store import MemoryEventStore, NewEvent
from events.tables import tables
from events.types import VisitCorrected
from tests.builders import authority, report, visit

D = date


class RecordingStore(MemoryEventStore):
    """The memory store, noting the position each narrow read starts after."""

    def __init__(self, clock):
        super().__init__(clock)
        self.reads_after: list[int] = []

    def read_rows(self, after=0, known_at=None, types=None):
        self.reads_after.append(after)
        return super().read_rows(after, known_at, types)


def same_log(store: MemoryEventStore) -> MemoryEventStore:
    """A store with the same log and no snapshot."""
    copy = MemoryEventStore(store.clock)
    copy.records = list(store.records)
    return copy


def history():
    return [authority("1", "Bury"), authority("2", "Cork"), report("1", D(2019, 1, 1), "Good"),
            visit("1", D(2020, 3, 2), "CIC"), visit("2", D(2021, 5, 1), "FD", priority=True),
            report("2", D(2021, 4, 1), "Inadequate")]


def test_a_restart_reads_the_snapshot_and_folds_only_newer_events(clock):
    store = RecordingStore(clock)
    store.append([NewEvent(e) for e in history()])
    first = Projection(store, clock, snapshot_every=3)
    before = first.tables(D(2024, 1, 1))
    position, _ = store.snapshot(SNAPSHOT)
    assert position == store.last_position()
    store.append([NewEvent(visit("1", D(2022, 1, 1), "CL"))])
    restarted = Projection(store, clock, snapshot_every=3)
    store.reads_after.clear()
    after = restarted.tables(D(2024, 1, 1))
    assert store.reads_after == [position]
    assert after["table_10_3"]["Total"]["CL"] == before["table_10_3"]["Total"]["CL"] + 1
    assert after == Projection(same_log(store), clock).tables(D(2024, 1, 1))


def test_a_snapshot_in_another_format_is_ignored(clock):
    store = MemoryEventStore(clock)
    store.append([NewEvent(e) for e in history()])
    store.keep_snapshot(SNAPSHOT, store.last_position(), b"not a snapshot of this format")
    assert Projection(store, clock).tables(D(2024, 1, 1)) == Projection(same_log(store), clock).tables(D(2024, 1, 1))


def test_the_tables_follow_events_recorded_after_a_query(clock):
    store = MemoryEventStore(clock)
    store.append([NewEvent(e) for e in history()])
    projection = Projection(store, clock)
    assert projection.tables(D(2024, 1, 1))["table_10_1"]["counts"]["Good"]["CIC"] == 1
    store.append([NewEvent(VisitCorrected(urn="1", visit_start=D(2020, 3, 2), changes={"topic": "FD"}))])
    counts = projection.tables(D(2024, 1, 1))["table_10_1"]["counts"]
    assert (counts["Good"]["CIC"], counts["Good"]["FD"]) == (0, 1)


def test_as_known_at_an_instant_leaves_out_what_was_learned_later_snapshot_or_not(clock):
    store = MemoryEventStore(clock)
    store.append([NewEvent(e) for e in history()])
    then = clock.now
    clock.advance(days=1)
    store.append([NewEvent(visit("1", D(2022, 1, 1), "CL"))])
    projection = Projection(store, clock, snapshot_every=1)
    assert projection.tables(D(2024, 1, 1))["table_10_3"]["Total"]["CL"] == 1
    assert projection.tables(D(2024, 1, 1), known_at=then)["table_10_3"]["Total"]["CL"] == 0


def test_facts_read_back_from_a_snapshot_equal_the_facts_kept_in_the_same_order():
    store = MemoryEventStore(lambda: datetime(2024, 1, 1, tzinfo=UTC))
    store.append([NewEvent(e) for e in history()] + [NewEvent(visit("2", D(2018, 1, 1) + timedelta(days=9 * i)))
                                                      for i in range(30)])
    facts = fold(store.read())
    again = Facts.from_snapshot(facts.to_snapshot(), facts.position)
    assert again == facts
    assert list(again.visits) == list(facts.visits) and list(again.authorities) == list(facts.authorities)
    assert tables(again, D(2024, 1, 1)) == tables(facts, D(2024, 1, 1))
