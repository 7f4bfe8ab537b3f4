"""The event types of SPEC section 2: frozen dataclasses named in the past tense, each with a schema version."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import msgspec


def iso_utc(moment: datetime) -> str:
    """An instant as ISO 8601 with `Z` for UTC, as the log and the pages show it."""
    return moment.isoformat().replace("+00:00", "Z")


def authority_stream(urn: str) -> str:
    """The name of an authority's stream of events."""
    return f"authority-{urn}"


@dataclass(frozen=True)
class Event:
    """Base of every domain event; `data()` is what the log stores."""

    TYPE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1

    def data(self) -> dict[str, Any]:
        """The event's fields as JSON-ready values, exactly as the store writes them (dates in ISO 8601)."""
        return msgspec.to_builtins(self, order="sorted")  # type: ignore[no-any-return]

    @property
    def stream(self) -> str:
        """The stream the event belongs to: one per authority."""
        return authority_stream(self.urn)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuthorityRecorded(Event):
    """An authority as the provider list (or an analyst) describes it; the latest record wins."""

    TYPE: ClassVar[str] = "AuthorityRecorded"
    urn: str
    name: str
    region: str | None = None
    opened: date | None = None
    closed: date | None = None
    source: str = "site"


@dataclass(frozen=True)
class VisitPublished(Event):
    """A focused-visit letter read from Ofsted's site."""

    TYPE: ClassVar[str] = "VisitPublished"
    urn: str
    authority: str
    publication_date: date
    visit_start: date
    visit_end: date
    topic: str
    priority_action: bool
    url: str | None = None
    file_id: str | None = None
    label: str | None = None
    parser_version: str | None = None
    source: str = "site"


@dataclass(frozen=True)
class VisitRecorded(VisitPublished):
    """A focused visit entered by an analyst (by hand or by import), e.g. to a closed authority."""

    TYPE: ClassVar[str] = "VisitRecorded"
    source: str = "analyst"


@dataclass(frozen=True)
class InspectionPublished(Event):
    """A judgement report (or an older document with no overall judgement, framework `other`)."""

    TYPE: ClassVar[str] = "InspectionPublished"
    urn: str
    authority: str
    publication_date: date
    inspection_start: date | None
    inspection_end: date | None
    framework: str
    overall: str | None
    judgements: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    file_id: str | None = None
    label: str | None = None
    parser_version: str | None = None
    source: str = "site"


@dataclass(frozen=True)
class GradeChanged(Event):
    """The authority's overall grade (or its absence under the 2026 framework) changed."""

    TYPE: ClassVar[str] = "GradeChanged"
    urn: str
    authority: str
    effective_date: date
    previous: str
    new: str
    file_id: str | None = None


@dataclass(frozen=True)
class PublicationUnreadable(Event):
    """A listed document that could not be read or classified, with why; retried on later polls."""

    TYPE: ClassVar[str] = "PublicationUnreadable"
    urn: str
    authority: str
    publication_date: date | None
    label: str | None
    url: str | None
    file_id: str | None
    reason: str


@dataclass(frozen=True)
class PublicationNoted(Event):
    """A listed document that is neither a focused visit nor a judgement (JTAI, SEND, a review...)."""

    TYPE: ClassVar[str] = "PublicationNoted"
    urn: str
    authority: str
    publication_date: date | None
    label: str | None
    url: str | None
    file_id: str | None
    kind: str
    source: str = "site"


@dataclass(frozen=True)
class VisitCorrected(Event):
    """An analyst's correction of a visit identified by (urn, visit_start); only the given fields change."""

    TYPE: ClassVar[str] = "VisitCorrected"
    urn: str
    visit_start: date
    changes: dict[str, Any]
    reason: str | None = None
    source: str = "analyst"


@dataclass(frozen=True)
class VisitWithdrawn(Event):
    """An analyst's withdrawal of a visit identified by (urn, visit_start)."""

    TYPE: ClassVar[str] = "VisitWithdrawn"
    urn: str
    visit_start: date
    reason: str
    source: str = "analyst"


@dataclass(frozen=True)
class FeedEntryNoted(Event):
    """A feed entry that is not (or not yet) a publication we can read: kept, never dropped."""

    TYPE: ClassVar[str] = "FeedEntryNoted"
    feed_url: str
    entry_id: str
    title: str
    link: str
    updated: datetime | None
    kind: str
    note: str

    @property
    def stream(self) -> str:
        return "feeds"


@dataclass(frozen=True)
class BackfillCompleted(Event):
    """The first full poll finished: from now on, new publications alert subscribers."""

    TYPE: ClassVar[str] = "BackfillCompleted"
    providers: int

    @property
    def stream(self) -> str:
        return "service"


# what a publication states: the reports themselves (what alerts and the feed are about), then with the rest
REPORT_TYPES: tuple[str, ...] = ("VisitPublished", "InspectionPublished")
PUBLICATION_TYPES: tuple[str, ...] = (*REPORT_TYPES, "PublicationNoted", "PublicationUnreadable")

EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (AuthorityRecorded, VisitPublished, VisitRecorded, InspectionPublished, GradeChanged,
                PublicationUnreadable, PublicationNoted, VisitCorrected, VisitWithdrawn, FeedEntryNoted,
                BackfillCompleted)
}


@dataclass(frozen=True)
class Recorded:
    """An event as the log holds it: its place in the global order and when the service learned it."""

    position: int
    type: str
    schema_version: int
    recorded_at: datetime
    data: dict[str, Any]
    stream: str = ""
    key: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The SPEC section 5 shape of `ilacs events`."""
        return {"position": self.position, "type": self.type, "schema_version": self.schema_version,
                "recorded_at": iso_utc(self.recorded_at), "data": self.data}
