"""Re-read the stored documents with today's parser; where a reading changed, append corrections."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date

from events.facts import Facts
from events.projection import folded
from events.store import EventStore, NewEvent
from events.types import PUBLICATION_TYPES, Recorded, VisitCorrected, VisitPublished, VisitWithdrawn
from service.classify import PARSER_VERSION
from service.docstore import DocumentStore
from service.reading import Listed, doc_key, read_events

log = logging.getLogger(__name__)
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
    for record in store.read(types=PUBLICATION_TYPES):
        if record.data.get("file_id") and record.data.get("source", "site") == "site":
            latest[record.data["file_id"]] = record
    return latest


def reprocess(store: EventStore, documents: DocumentStore) -> ReprocessReport:
    """Re-read every stored document; nothing is downloaded, history is kept."""
    report = ReprocessReport()
    latest = latest_readings(store)
    facts = folded(store, ["InspectionPublished"])
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


def _corrections(previous: Recorded, item: Listed, data: bytes, facts: Facts,
                 report: ReprocessReport) -> list[NewEvent]:
    events = read_events(item, data, facts)
    if previous.type == "PublicationUnreadable":
        if events[0].event.TYPE != "PublicationUnreadable":
            report.now_readable += 1
        return events  # still unreadable: the same reason's key records nothing new
    if events[0].event.TYPE == "PublicationUnreadable":
        log.warning("document %s no longer reads (%s); its earlier reading stands", item.file_id,
                    events[0].event.reason)  # type: ignore[attr-defined]
        return []
    new, derived = events[0].event, events[1:]  # derived: the grade change that comes with a report
    old = {k: v for k, v in previous.data.items() if k not in ("parser_version", "source")}
    fresh = {k: v for k, v in new.data().items() if k not in ("parser_version", "source")}
    if previous.type == new.TYPE and old == fresh:
        return []
    report.changed += 1
    tag = hashlib.sha256(json.dumps(fresh, sort_keys=True).encode()).hexdigest()[:12]
    key = f"{doc_key(item.file_id)}:reprocessed:{tag}"
    reason = f"re-read with parser {PARSER_VERSION}"
    if isinstance(new, VisitPublished) and previous.type == "VisitPublished" and \
            previous.data["visit_start"] == fresh["visit_start"]:
        changes = {f: fresh[f] for f in VISIT_FIELDS if fresh[f] != old.get(f)}
        return [NewEvent(VisitCorrected(urn=item.urn, visit_start=new.visit_start, changes=changes, reason=reason,
                                        source="reprocess"), key)]
    out = []
    if previous.type == "VisitPublished":
        out.append(NewEvent(VisitWithdrawn(urn=item.urn, visit_start=date.fromisoformat(previous.data["visit_start"]),
                                           reason=reason, source="reprocess"), f"{key}:withdrawn"))
    out.append(NewEvent(new, key))
    out += [NewEvent(d.event, f"{key}:{d.event.TYPE}") for d in derived]
    return out
