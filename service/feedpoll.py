"""Feed entries read like site publications: a provider page is polled, a document is read, the rest kept."""
from __future__ import annotations

import logging
import re

from events.errors import SourceError
from events.facts import Authority, Facts
from events.store import NewEvent
from events.types import FeedEntryNoted
from service.poller import Poller, PollReport
from service.reading import Listed, doc_key
from service.sources.feeds import FeedEntry, FeedSource

log = logging.getLogger(__name__)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower().replace("&", "and"))


def poll_feeds(poller: Poller, feeds: FeedSource, facts: Facts, report: PollReport) -> None:
    """Read every configured feed and record what each entry links to."""
    results = feeds.read_all()
    report.failures.extend(f"feed {url}: {why}" for url, why in results.failures.items())
    by_name = {_norm(a.name): a for a in facts.authorities.values()}
    for entry in results.entries:
        if entry.kind == "provider" and entry.urn:
            try:
                poller.read_page(poller.site.provider_page(entry.urn), facts, report)
            except SourceError as err:
                report.failures.append(str(err))
        elif entry.kind == "document" and entry.file_id:
            _document(poller, entry, by_name, facts, report)
        else:
            _note(poller, entry, "not a link to an Ofsted report", report)


def _document(poller: Poller, entry: FeedEntry, by_name: dict[str, Authority], facts: Facts,
              report: PollReport) -> None:
    if poller.store.has_keys([doc_key(entry.file_id or "")]):
        return
    title = _norm(entry.title)
    match = next((a for key, a in by_name.items() if key and key in title), None)
    if match is None or entry.updated is None:
        _note(poller, entry, "a report whose authority or date the entry does not say", report)
        return
    item = Listed(match.urn, match.name, entry.title, entry.updated.date(), entry.link, entry.file_id or "")
    events = poller.read(item, facts, report)  # downloaded once, read as a site publication is
    if events:
        poller.append(events, report)


def _note(poller: Poller, entry: FeedEntry, note: str, report: PollReport) -> None:
    event = FeedEntryNoted(feed_url=entry.feed_url, entry_id=entry.entry_id, title=entry.title, link=entry.link,
                           updated=entry.updated, kind=entry.kind, note=note)
    poller.append([NewEvent(event, f"feed:{entry.feed_url}:{entry.entry_id}")], report)
