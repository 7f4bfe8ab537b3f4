"""Re-read the stored documents with today's parser; where a reading changed, append corrections."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from events.errors import UnreadableDocument
from events.facts import fold
from events.store import EventStore, NewEvent
from events.types import Recorded, VisitCorrected, VisitWithdrawn
from service.classify import PARSER_VERSION, VisitReading, classify
from service.docstore import DocumentStore
from service.documents import pdf_text
from service.reading import Listed, doc_key, read_events, to_event

log = logging.getLogger(__name__)
SOURCE_TYPES = ("VisitPublished", "InspectionPublished", "PublicationNoted", "PublicationUnreadable")
VISIT_FIELDS = ("topic", "priority_action", "visit_end")


@dataclass
class ReprocessReport:
    """What a reprocess found."""

    documents: int = 0
    changed: int = 0
    now_readable: int = 0
    events_appended: int = 0

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"reprocessed {self.documents} documents with parser {PARSER_VERSION}: {self.changed} readings "
                f"changed, {self.now_readable} now readable, {self.events_appended} events appended")


def latest_readings(store: EventStore) -> dict[str, Recorded]:
    """The last event each source document stated, by file id."""
    latest: dict[str, Recorded] = {}
    for record in store.read(types=SOURCE_TYPES):
        if record.data.get("file_id") and record.data.get("source", "site") == "site":
            latest[record.data["file_id"]] = record
    return latest


def reprocess(store: EventStore, documents: DocumentStore) -> ReprocessReport:
    """Re-read every stored document; nothing is downloaded, history is kept."""
    report = ReprocessReport()
    latest = latest_readings(store)
    facts = fold(store.read(types=["InspectionPublished"]))
    for file_id in documents.file_ids():
        previous = latest.get(file_id)
        stored = documents.get(file_id)
        if previous is None or stored is None:
            continue
        report.documents += 1
        d = previous.data
        item = Listed(d["urn"], d["authority"], d.get("label"), date.fromisoformat(d["publication_date"]),
                      d["url"], file_id)
        batch = _corrections(previous, item, stored.data, facts, report)
        for new in batch:
            facts.apply_event(new.event)
        report.events_appended += len(store.append(batch))
    return report


def _corrections(previous: Recorded, item: Listed, data: bytes, facts: Any, report: ReprocessReport) -> list[NewEvent]:
    if previous.type == "PublicationUnreadable":
        events = read_events(item, data, facts)
        if events and events[0].event.TYPE != "PublicationUnreadable":
            report.now_readable += 1
            return events
        return []  # still unreadable: read_events' key for the same reason records nothing new
    try:
        reading = classify(pdf_text(data), item.label)
    except UnreadableDocument as err:
        log.warning("document %s no longer reads (%s); its earlier reading stands", item.file_id, err)
        return []
    new = to_event(item, reading)
    old = {k: v for k, v in previous.data.items() if k not in ("parser_version", "source")}
    fresh = {k: v for k, v in new.data().items() if k not in ("parser_version", "source")}
    if previous.type == new.TYPE and old == fresh:
        return []
    report.changed += 1
    tag = hashlib.sha256(json.dumps(fresh, sort_keys=True).encode()).hexdigest()[:12]
    key = f"{doc_key(item.file_id)}:reprocessed:{tag}"
    if previous.type == "VisitPublished" and isinstance(reading, VisitReading) and \
            previous.data["visit_start"] == reading.visit_start.isoformat():
        changes = {f: fresh[f] for f in VISIT_FIELDS if fresh[f] != old.get(f)}
        return [NewEvent(VisitCorrected(urn=item.urn, visit_start=reading.visit_start, changes=changes,
                                        reason=f"re-read with parser {PARSER_VERSION}", source="reprocess"), key)]
    out = []
    if previous.type == "VisitPublished":
        out.append(NewEvent(VisitWithdrawn(urn=item.urn, visit_start=date.fromisoformat(previous.data["visit_start"]),
                                           reason=f"re-read with parser {PARSER_VERSION}", source="reprocess"),
                            f"{key}:withdrawn"))
    out.append(NewEvent(new, key))
    return out


