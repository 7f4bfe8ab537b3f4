"""Atom/RSS feeds (e.g. GOV.UK's Ofsted feeds): entries, each classified by what it links to.

Every entry is returned: one that links to neither an Ofsted document nor a provider page is kept
with kind "other" for the caller to record, never dropped.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import feedparser

from events.errors import SourceError
from service.fetch import Fetcher, origin
from service.sources.site import FILE_PATH, FILES_URL, PROVIDER_PATH, REPORTS_URL

log = logging.getLogger(__name__)

Kind = Literal["document", "provider", "other"]
# Faults feedparser reports that still leave a well-read feed: a wrong declared encoding or MIME type.
BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry and what its link points at (file_id for documents, urn for provider pages)."""

    feed_url: str
    entry_id: str
    title: str
    link: str
    updated: datetime | None
    summary: str
    kind: Kind = "other"
    file_id: str | None = None
    urn: str | None = None


@dataclass
class FeedResults:
    """The entries of every feed that could be read, and why the others could not."""

    entries: list[FeedEntry] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def classify(
    link: str, reports_url: str = REPORTS_URL, files_url: str = FILES_URL
) -> tuple[Kind, str | None, str | None]:
    """(kind, file_id, urn) of a link: an Ofsted document, a provider page, or other."""
    hosts = {origin(reports_url), origin(files_url)}
    if not link or origin(link) not in hosts:
        return "other", None, None
    path = urlsplit(link).path
    if m := FILE_PATH.match(path):
        return "document", m.group(1), None
    if (m := PROVIDER_PATH.match(path)) and origin(link) == origin(reports_url):
        return "provider", None, m.group(2)
    return "other", None, None


class FeedSource:
    """Reads feeds through a Fetcher and parses them with feedparser."""

    def __init__(
        self, fetcher: Fetcher, feed_urls: Iterable[str], *, reports_url: str = REPORTS_URL, files_url: str = FILES_URL
    ) -> None:
        self.fetcher, self.feed_urls = fetcher, list(feed_urls)
        self.reports_url, self.files_url = reports_url, files_url

    def read(self, feed_url: str) -> list[FeedEntry]:
        """The entries of one feed; SourceError if it cannot be fetched or is not a well-formed feed."""
        response = self.fetcher.get(feed_url)
        if response.status != 200:
            raise SourceError(f"feed {feed_url}: unexpected HTTP {response.status}")
        # No content-location: feedparser would resolve RSS guids against it as if they were links.
        headers = {"content-type": response.content_type} if response.content_type else {}
        parsed = feedparser.parse(response.body, response_headers=headers)
        _check(parsed, feed_url)
        return [self._entry(feed_url, e) for e in parsed.entries]

    def read_all(self) -> FeedResults:
        """Every configured feed; a failing feed is logged and reported, the others still read."""
        results = FeedResults()
        for url in self.feed_urls:
            try:
                results.entries.extend(self.read(url))
            except SourceError as err:
                log.error("feed %s: %s", url, err)
                results.failures[url] = str(err)
        return results

    def _entry(self, feed_url: str, e: Any) -> FeedEntry:
        link = urljoin(feed_url, e.get("link") or "") if e.get("link") else ""
        title = " ".join((e.get("title") or "").split())
        # An entry without an id is still identified, by its link or else its title and date.
        entry_id = e.get("id") or link or f"{title}|{_raw(e, 'updated') or _raw(e, 'published') or ''}"
        kind, file_id, urn = classify(link, self.reports_url, self.files_url)
        return FeedEntry(
            feed_url=feed_url,
            entry_id=entry_id,
            title=title,
            link=link,
            updated=_when(e),
            summary=e.get("summary") or "",
            kind=kind,
            file_id=file_id,
            urn=urn,
        )


def _check(parsed: Any, feed_url: str) -> None:
    """Raise SourceError for a malformed feed; log feedparser's harmless complaints."""
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, BENIGN):
        raise SourceError(f"feed {feed_url} is malformed: {type(problem).__name__}: {problem}")
    if not parsed.get("version"):
        raise SourceError(f"feed {feed_url} is not an RSS or Atom feed")
    if problem is not None:
        log.warning("feed %s: %s", feed_url, problem)


def _raw(e: Any, key: str) -> Any:
    # dict.get, not e.get: feedparser's own get maps a missing "updated" to "published" with a warning.
    return dict.get(e, key)


def _when(e: Any) -> datetime | None:
    stamp = _raw(e, "updated_parsed") or _raw(e, "published_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
