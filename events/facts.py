"""The fold of the log into facts: authorities, visits (after corrections) and grades over time.

A pure function of the events and `known_at`; the tables (`events.tables`) are computed from it for any
`as_at`. `Facts.position` records the last log position it reflects, so a cache can be brought up to
date by applying only newer events.
"""
from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import msgspec

from events.store import Row
from events.types import Event, Recorded
from events.vocabulary import NO_OVERALL_GRADE, NOT_INSPECTED, OVERALL_GRADES


@dataclass(frozen=True)
class Authority:
    """An authority as last recorded."""

    urn: str
    name: str
    region: str | None = None
    opened: date | None = None
    closed: date | None = None

    def open_on(self, day: date) -> bool:
        """Open from `opened` (inclusive) until `closed` (exclusive)."""
        return (self.opened is None or self.opened <= day) and (self.closed is None or day < self.closed)


@dataclass(frozen=True)
class Visit:
    """A focused visit as the log says it is now (corrections applied)."""

    urn: str
    authority: str
    publication_date: date
    visit_start: date
    visit_end: date
    topic: str
    priority_action: bool
    url: str | None
    file_id: str | None


@dataclass
class GradeHistory:
    """An authority's judgements, ordered by publication date (ties: in log order)."""

    dates: list[date] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)

    def add(self, published: date, grade: str) -> None:
        """Insert a judgement, after any already published that day."""
        at = bisect.bisect_right(self.dates, published)
        self.dates.insert(at, published)
        self.grades.insert(at, grade)

    def on(self, day: date) -> str:
        """The grade in force on a day: the latest judgement published on or before it."""
        at = bisect.bisect_right(self.dates, day)
        return self.grades[at - 1] if at else NOT_INSPECTED


def judgement_grade(framework: str, overall: str | None) -> str | None:
    """The grade a judgement report puts in force; None for documents that judge nothing."""
    if framework == "ILACS-2026":
        return NO_OVERALL_GRADE
    if framework in ("SIF", "ILACS") and overall in OVERALL_GRADES:
        return overall
    return None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass
class Facts:
    """What the log says, as known at some instant."""

    authorities: dict[str, Authority] = field(default_factory=dict)
    visits: dict[tuple[str, date], Visit] = field(default_factory=dict)
    grades: dict[str, GradeHistory] = field(default_factory=dict)
    position: int = 0
    # what queries compute from these facts once (the tables' index); emptied whenever an event changes them
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def grade_on(self, urn: str, day: date) -> str:
        """The authority's grade in force on a day."""
        history = self.grades.get(urn)
        return history.on(day) if history else NOT_INSPECTED

    def name_of(self, urn: str, fallback: str) -> str:
        """The authority's recorded name, or the name a document gave."""
        authority = self.authorities.get(urn)
        return authority.name if authority else fallback

    def apply(self, record: Recorded) -> None:
        """Fold one more event in (events must come in log order)."""
        self.apply_row(record.position, record.type, record.data)

    def apply_row(self, position: int, type_: str, data: dict[str, Any]) -> None:
        """Fold in one more event given as its position, type and data."""
        handler = _HANDLERS.get(type_)
        if handler:
            handler(self, data)
            self.derived.clear()
        self.position = position

    def apply_rows(self, rows: Iterable[Row]) -> None:
        """Fold in (position, type, data) rows in log order (`EventStore.read_rows`)."""
        with collector_paused():
            for position, type_, data in rows:
                self.apply_row(position, type_, data)

    def to_snapshot(self) -> bytes:
        """The facts as bytes to keep with their position (`from_snapshot` reads them back)."""
        with collector_paused():
            return _SNAPSHOT_ENCODER.encode(_Snapshot(SNAPSHOT_FORMAT, list(self.authorities.values()),
                                                      list(self.visits.values()), self.grades))

    @classmethod
    def from_snapshot(cls, data: bytes, position: int) -> Facts | None:
        """The facts kept by `to_snapshot` as of a log position; None when kept in another format."""
        with collector_paused():
            try:
                kept = _SNAPSHOT_DECODER.decode(data)
            except msgspec.DecodeError:
                return None
            if kept.format != SNAPSHOT_FORMAT:
                return None
            # rebuilt in the order kept, as the tables break ties by the order facts were learned
            return cls({a.urn: a for a in kept.authorities}, {(v.urn, v.visit_start): v for v in kept.visits},
                       kept.grades, position)

    def apply_event(self, event: Event) -> None:
        """Fold in an event not yet recorded (to derive what follows from it in the same batch)."""
        handler = _HANDLERS.get(event.TYPE)
        if handler:
            handler(self, event.data())
            self.derived.clear()


SNAPSHOT_FORMAT = 1  # bump whenever the fold keeps something else, or keeps it differently


class _Snapshot(msgspec.Struct):
    format: int
    authorities: list[Authority]
    visits: list[Visit]
    grades: dict[str, GradeHistory]


# msgspec makes the dataclasses (dates included) in C: a million-event log's facts load in half a second
_SNAPSHOT_ENCODER = msgspec.msgpack.Encoder()
_SNAPSHOT_DECODER = msgspec.msgpack.Decoder(_Snapshot)


def _authority(facts: Facts, d: dict) -> None:
    facts.authorities[d["urn"]] = Authority(d["urn"], d["name"], d.get("region"), _day(d.get("opened")),
                                            _day(d.get("closed")))


def _visit(facts: Facts, d: dict) -> None:
    start = date.fromisoformat(d["visit_start"])
    # the same visit stated again (imported, then read from the site) is one visit: the latest statement wins
    facts.visits[(d["urn"], start)] = Visit(
        d["urn"], d["authority"], date.fromisoformat(d["publication_date"]), start,
        date.fromisoformat(d["visit_end"]), d["topic"], bool(d["priority_action"]), d.get("url"), d.get("file_id"))


def _inspection(facts: Facts, d: dict) -> None:
    grade = judgement_grade(d["framework"], d.get("overall"))
    if grade is not None:
        history = facts.grades.get(d["urn"])
        if history is None:
            history = facts.grades[d["urn"]] = GradeHistory()
        history.add(date.fromisoformat(d["publication_date"]), grade)


CORRECTABLE: dict[str, Callable[[Any], Any]] = {"topic": str, "priority_action": bool, "visit_end": date.fromisoformat,
               "publication_date": date.fromisoformat}


def _corrected(facts: Facts, d: dict) -> None:
    key = (d["urn"], date.fromisoformat(d["visit_start"]))
    visit = facts.visits.get(key)
    if visit is not None:
        changes = {k: CORRECTABLE[k](v) for k, v in d["changes"].items() if k in CORRECTABLE}
        facts.visits[key] = replace(visit, **changes)


def _withdrawn(facts: Facts, d: dict) -> None:
    facts.visits.pop((d["urn"], date.fromisoformat(d["visit_start"])), None)


_HANDLERS = {
    "AuthorityRecorded": _authority,
    "VisitPublished": _visit,
    "VisitRecorded": _visit,
    "InspectionPublished": _inspection,
    "VisitCorrected": _corrected,
    "VisitWithdrawn": _withdrawn,
}
FOLDED_TYPES: tuple[str, ...] = tuple(_HANDLERS)  # the fold passes over every other type


def fold(records: Iterable[Recorded], known_at: datetime | None = None) -> Facts:
    """The facts of the given events recorded on or before `known_at` (all when None)."""
    facts = Facts()
    with collector_paused():
        for record in records:
            if known_at is None or record.recorded_at <= known_at:
                facts.apply(record)
    return facts


@contextmanager
def collector_paused() -> Iterator[None]:
    """A fold makes objects that all live on: the cyclic collector's passes over them are pure cost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
