"""One poll of Ofsted's site: list the authorities, read what is new, append the events, queue alerts."""
from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from events.errors import IlacsError, SourceError
from events.facts import Facts
from events.projection import folded
from events.store import EventStore, NewEvent
from events.types import REPORT_TYPES, AuthorityRecorded, BackfillCompleted, Recorded
from service.docstore import DocumentStore
from service.fetch import HttpError, RefusedURL, TooLarge
from service.reading import Listed, doc_key, read_events, unreadable, unreadable_key
from service.sources.feeds import FeedSource
from service.sources.site import OfstedSite, PageChanged, ProviderPage

log = logging.getLogger(__name__)
REFERENCE = Path(__file__).resolve().parent.parent / "config" / "authorities.csv"
BACKFILL_DONE = "backfill-completed"
BACKFILL_FAILURES_ALLOWED = 0.02  # of the providers and documents a backfill poll meets
REFUSED = (HttpError, RefusedURL, TooLarge)  # download failures that retrying at once would not mend

# (connection, recorded events, backfill?) -> alerts queued; runs inside the append's transaction
Enqueue = Callable[[Any, list[Recorded], bool], int]
Progress = Callable[["PollReport", int, int], None]


@dataclass
class PollReport:
    """What one poll did, for the one-line summary and /healthz."""

    new_publications: int = 0
    events_appended: int = 0
    unreadable: int = 0
    alerts_queued: int = 0
    documents_downloaded: int = 0
    documents_found: int = 0
    documents_read: int = 0
    providers: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    backfill: bool = False

    @property
    def ok(self) -> bool:
        """True when every provider and document was read."""
        return not self.failures

    @property
    def nearly_complete(self) -> bool:
        """Few enough failures that what they held back, read later, alerts a handful and floods no one.

        A backfill ends with such a poll, so that one provider or document that keeps failing cannot keep
        the service silent for ever.
        """
        return len(self.failures) <= BACKFILL_FAILURES_ALLOWED * (self.providers + self.documents_found)

    def summary(self) -> str:
        """The one-line summary `ilacs poll` ends with."""
        return (f"poll {'ok' if self.ok else 'partial'}{' (backfill: no alerts)' if self.backfill else ''}: "
                f"{self.new_publications} new publications, {self.events_appended} events appended, "
                f"{self.unreadable} unreadable documents, {self.alerts_queued} alerts queued, "
                f"{len(self.failures)} failures, {self.seconds:.1f} s")


def reference_authorities(path: Path = REFERENCE) -> dict[str, dict[str, str]]:
    """The regions, and the opened and closed days, that the program ships for each authority."""
    with open(path, newline="") as f:
        return {row["urn"]: row for row in csv.DictReader(f)}


class Poller:
    """Reads the site through OfstedSite and records what it states."""

    def __init__(self, store: EventStore, site: OfstedSite, documents: DocumentStore,
                 enqueue: Enqueue | None = None, reference: dict[str, dict[str, str]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic, feeds: FeedSource | None = None) -> None:
        self.store, self.site, self.documents, self.feeds = store, site, documents, feeds
        self.enqueue = enqueue
        self.reference = reference if reference is not None else reference_authorities()
        self.monotonic = monotonic

    def poll(self, progress: Progress | None = None) -> PollReport:
        """One full poll; a failing provider or document is logged, recorded and passed over."""
        started = self.monotonic()
        report = PollReport(backfill=self.is_backfill())
        facts = folded(self.store, ["AuthorityRecorded", "InspectionPublished"])
        self.record_reference(facts)
        listings = self.site.list_providers()  # a search that no longer parses fails the poll loudly
        report.providers = len(listings)
        self._record_authorities(facts, [(p.urn, p.name, None) for p in listings], report)
        for done, listing in enumerate(listings, start=1):
            try:
                page = self.site.provider_page(listing.urn, listing.url)
            except PageChanged as err:
                log.error("provider page no longer parses: %s", err)
                report.failures.append(str(err))
                continue
            except SourceError as err:
                log.warning("provider %s skipped this poll: %s", listing.urn, err)
                report.failures.append(str(err))
                continue
            self._record_authorities(facts, [(page.urn, page.name, page.opened)], report)
            self.read_page(page, facts, report)
            if progress:
                progress(report, done, len(listings))
        if self.feeds is not None:
            from service.feedpoll import poll_feeds  # feeds build on the poller: imported late to avoid a cycle

            poll_feeds(self, self.feeds, facts, report)
        if report.backfill and report.nearly_complete:
            self.append([NewEvent(BackfillCompleted(providers=report.providers), BACKFILL_DONE)], report)
        report.seconds = self.monotonic() - started
        log.info(report.summary())
        return report

    def is_backfill(self) -> bool:
        """Until a first (nearly) complete poll, polling is a backfill that alerts no one."""
        return not self.store.has_keys([BACKFILL_DONE])

    def read_page(self, page: ProviderPage, facts: Facts, report: PollReport) -> None:
        """Read a provider's new publications, oldest first, and append them as one batch."""
        items = [Listed(p.urn, page.name, p.label, p.publication_date, p.url, p.file_id)
                 for p in sorted(page.publications, key=lambda p: (p.publication_date, p.file_id))]
        known = self.store.has_keys([doc_key(i.file_id) for i in items])
        new = [item for item in items if doc_key(item.file_id) not in known]
        report.documents_found += len(new)
        batch: list[NewEvent] = []
        for item in new:
            events = self.read(item, facts, report)
            if events is None:
                # no gaps: a later report's grade change is measured against the earlier ones, so the
                # provider's later documents wait for the poll that reads this one
                break
            batch += events
        self.append(batch, report)

    def read(self, item: Listed, facts: Facts, report: PollReport) -> list[NewEvent] | None:
        """The events a document states (applied to `facts`); None when it could not be downloaded this time."""
        stored = self.documents.get(item.file_id)
        if stored is None:
            try:
                response = self.site.document(item.url)
            except REFUSED as err:
                # the host will answer the same next time (4xx, a redirect elsewhere, too large): keep the
                # fact in view as unreadable (retried on later polls) rather than hold the provider back
                reason = f"not downloaded: {err}"
                log.warning("unreadable %s (%s): %s", item.file_id, item.authority, reason)
                return [NewEvent(unreadable(item, reason), unreadable_key(item.file_id, reason))]
            except SourceError as err:
                # transient (a timeout, a 5xx after retries): nothing is recorded, the next poll retries
                log.warning("document %s not downloaded: %s", item.url, err)
                report.failures.append(str(err))
                return None
            self.documents.put(item.file_id, item.url, response.content_type, response.body)
            report.documents_downloaded += 1
            data = response.body
        else:
            data = stored.data
        try:
            events = read_events(item, data, facts)
        except IlacsError as err:  # a reader failing in a way it did not foresee: keep the fact, say why
            reason = f"reader failed: {err}"
            events = [NewEvent(unreadable(item, reason), unreadable_key(item.file_id, reason))]
        report.documents_read += 1
        for new in events:
            facts.apply_event(new.event)
            if new.event.TYPE == "PublicationUnreadable":
                log.warning("unreadable %s (%s): %s", item.file_id, item.authority, new.event.reason)  # type: ignore
        return events

    def _record_authorities(self, facts: Facts, seen: list[tuple[str, str, date | None]], report: PollReport) -> None:
        batch = []
        for urn, name, opened in seen:
            ref = self.reference.get(urn, {})
            current = facts.authorities.get(urn)
            # the search gives no opened day: keep the one a provider page or the reference gave
            opened = opened or _day(ref.get("opened")) or (current.opened if current else None)
            event = AuthorityRecorded(urn=urn, name=name, region=ref.get("region") or None,
                                      opened=opened, closed=_day(ref.get("closed")))
            if current is None or (current.name, current.region, current.opened, current.closed) != (
                    event.name, event.region, event.opened, event.closed):
                facts.apply_event(event)
                batch.append(NewEvent(event))
        self.append(batch, report)

    def record_reference(self, facts: Facts) -> int:
        """Record the shipped authorities the site no longer lists (closed ones), once."""
        batch = [NewEvent(AuthorityRecorded(urn=urn, name=r["name"], region=r["region"] or None,
                                            opened=_day(r["opened"]), closed=_day(r["closed"]), source="reference"))
                 for urn, r in self.reference.items() if r.get("closed") and urn not in facts.authorities]
        for item in batch:
            facts.apply_event(item.event)
        return len(self.store.append(batch))

    def append(self, batch: list[NewEvent], report: PollReport) -> None:
        """Append a batch, queueing its alerts in the same transaction (none during the backfill)."""
        if not batch:
            return
        queued = [0]

        def after(conn: Any, recorded: list[Recorded]) -> None:
            if self.enqueue is not None:
                queued[0] = self.enqueue(conn, recorded, report.backfill)

        recorded = self.store.append(batch, after=after)
        report.events_appended += len(recorded)
        report.alerts_queued += queued[0]
        report.new_publications += sum(r.type in (*REPORT_TYPES, "PublicationNoted") for r in recorded)
        report.unreadable += sum(r.type == "PublicationUnreadable" for r in recorded)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
