"""From a stored document to the events it states: the reading of one publication."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from events.errors import UnreadableDocument
from events.facts import Facts
from events.rules import grade_change
from events.store import NewEvent
from events.types import Event, InspectionPublished, PublicationNoted, PublicationUnreadable, VisitPublished
from service.classify import PARSER_VERSION, InspectionReading, OtherReading, VisitReading, classify
from service.documents import pdf_text


@dataclass(frozen=True)
class Listed:
    """A publication as a source lists it."""

    urn: str
    authority: str
    label: str | None
    publication_date: date
    url: str
    file_id: str


def doc_key(file_id: str) -> str:
    """The idempotency key of what a document states."""
    return f"doc:{file_id}"


def unreadable_key(file_id: str, reason: str) -> str:
    """One PublicationUnreadable per document and reason: retrying with the same outcome records nothing."""
    return f"unreadable:{file_id}:{hashlib.sha256(reason.encode()).hexdigest()[:16]}"


def read_events(item: Listed, data: bytes, facts: Facts) -> list[NewEvent]:
    """The events a downloaded document states (a grade change with its report), or why it is unreadable."""
    try:
        reading = classify(pdf_text(data), item.label)
    except UnreadableDocument as err:
        return [NewEvent(unreadable(item, str(err)), unreadable_key(item.file_id, str(err)))]
    event = to_event(item, reading)
    out = [NewEvent(event, doc_key(item.file_id))]
    if isinstance(event, InspectionPublished):
        change = grade_change(facts, event)
        if change is not None:
            out.append(NewEvent(change, f"grade:{item.file_id}"))
    return out


def unreadable(item: Listed, reason: str) -> PublicationUnreadable:
    """The event that keeps an unreadable publication in view."""
    return PublicationUnreadable(urn=item.urn, authority=item.authority, publication_date=item.publication_date,
                                 label=item.label, url=item.url, file_id=item.file_id, reason=reason)


def to_event(item: Listed, reading: VisitReading | InspectionReading | OtherReading) -> Event:
    """The event of a reading, with its provenance."""
    common: dict[str, Any] = {"urn": item.urn, "authority": item.authority, "publication_date": item.publication_date,
              "url": item.url, "file_id": item.file_id, "label": item.label}
    if isinstance(reading, VisitReading):
        return VisitPublished(**common, visit_start=reading.visit_start, visit_end=reading.visit_end,
                              topic=reading.topic, priority_action=reading.priority_action,
                              parser_version=PARSER_VERSION)
    if isinstance(reading, InspectionReading):
        return InspectionPublished(**common, inspection_start=reading.inspection_start,
                                   inspection_end=reading.inspection_end, framework=reading.framework,
                                   overall=reading.overall, judgements=dict(reading.judgements),
                                   parser_version=PARSER_VERSION)
    return PublicationNoted(**common, kind=reading.kind)
