"""The Ofsted report site: the list of local authorities, each provider page, and its documents.

Pages are parsed tolerantly, by link target (/provider/<type>/<urn>, /v1/file/<id>) and label text,
with the documented layout (results-list, timeline) only narrowing where to look. A page in which
nothing recognisable is left raises PageChanged: "the site changed" must never read as "nothing new".

Links to hosts other than the reports and files hosts are not followed: on a provider page they are
logged and returned in ProviderPage.refused (so the caller can record them); anywhere else they raise.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Protocol
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.exceptions import ParserRejectedMarkup

from events.errors import SourceError
from service.fetch import Fetcher, RefusedURL, Response, origin

log = logging.getLogger(__name__)

REPORTS_URL = "https://reports.ofsted.gov.uk"
FILES_URL = "https://files.ofsted.gov.uk"
SEARCH_PATH = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows={rows}"
PROVIDER_TYPE = 44  # the site's provider type for local authority children's services
MAX_SEARCH_PAGES = 50  # 100 rows a page: far more than the 150-odd authorities

PROVIDER_PATH = re.compile(r"^/provider/(\d+)/(\d+)/?$")
FILE_PATH = re.compile(r"^/v1/file/(\d+)/?$")
# "<label>, pdf - 16 May 2024"; the label may itself hold commas, the file kind's case varies.
LABEL_TEXT = re.compile(
    r"^(?P<label>.*\S)\s*,\s*(?P<kind>[a-z]{2,5})\s*[-\u2013\u2014]\s*"
    r"(?P<date>\d{1,2}\s+[a-z]+\.?\s+\d{4})",
    re.I,
)
LONG_DATE = re.compile(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", re.I)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class PageChanged(SourceError):
    """A page no longer has the shape we read; the message says what was missing."""


@dataclass(frozen=True)
class ProviderListing:
    """One provider as the search lists it."""

    urn: str
    name: str
    url: str


@dataclass(frozen=True)
class PublicationListing:
    """One document as a provider page lists it; the date is the publication date."""

    urn: str
    authority: str
    label: str
    publication_date: date
    url: str
    file_id: str


@dataclass(frozen=True)
class ProviderPage:
    """A provider page: its name, the date it opened (if shown) and its publications, newest first."""

    urn: str
    name: str
    opened: date | None
    publications: list[PublicationListing]
    refused: list[str] = field(default_factory=list)


class CachedPage(NamedTuple):
    """A page body with the validators it was served with."""

    etag: str | None
    last_modified: str | None
    body: bytes


class PageCache(Protocol):
    """Where page bodies and their validators are kept between polls."""

    def get(self, url: str) -> CachedPage | None:
        """The cached copy of a URL, if any."""
        ...

    def put(self, url: str, etag: str | None, last_modified: str | None, body: bytes) -> None:
        """Keep a copy of a page."""
        ...


class MemoryPageCache:
    """A PageCache in a dict: lost on restart, which costs one full fetch and nothing else."""

    def __init__(self) -> None:
        self.pages: dict[str, CachedPage] = {}

    def get(self, url: str) -> CachedPage | None:
        """The cached copy of a URL, if any."""
        return self.pages.get(url)

    def put(self, url: str, etag: str | None, last_modified: str | None, body: bytes) -> None:
        """Keep a copy of a page."""
        self.pages[url] = CachedPage(etag, last_modified, body)


class OfstedSite:
    """Reads the report site through a Fetcher, with conditional requests when given a cache."""

    def __init__(
        self,
        fetcher: Fetcher,
        reports_url: str = REPORTS_URL,
        files_url: str = FILES_URL,
        *,
        cache: PageCache | None = None,
        rows: int = 100,
    ) -> None:
        self.fetcher, self.cache, self.rows = fetcher, cache, rows
        self.reports_url = reports_url.rstrip("/")
        self.files_url = files_url.rstrip("/")
        self.hosts = {origin(self.reports_url), origin(self.files_url)}
        self.stats: Counter[str] = Counter()  # pages fetched / not modified, for the poll summary

    def search_url(self) -> str:
        """The first page of the search for all local authorities' children's services."""
        return self.reports_url + SEARCH_PATH.format(rows=self.rows)

    def provider_url(self, urn: str) -> str:
        """The provider page of a URN."""
        return f"{self.reports_url}/provider/{PROVIDER_TYPE}/{urn}"

    def list_providers(self) -> list[ProviderListing]:
        """Every provider the search lists, following the pages; raises PageChanged if none."""
        found: dict[str, ProviderListing] = {}
        url: str | None = self.search_url()
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_SEARCH_PAGES:
                raise PageChanged(f"search pagination does not end (at {url} after {len(seen)} pages)")
            seen.add(url)
            soup = self._page(url)
            for listing in self._search_results(soup, url):
                # Rows can shift between pages while an authority is added: keep the first sighting.
                found.setdefault(listing.urn, listing)
            url = self._next_page(soup, url)
        if not found:
            raise PageChanged(f"the search at {self.search_url()} listed no providers at all")
        log.info("search listed %d providers on %d pages", len(found), len(seen))
        return list(found.values())

    def provider_page(self, urn: str, url: str | None = None) -> ProviderPage:
        """Read a provider page (by URN, or the URL the search gave) into its publications."""
        url = url or self.provider_url(urn)
        self._check(url)
        soup = self._page(url)
        return self._parse_provider(soup, urn, url)

    def document(self, url: str) -> Response:
        """Fetch a document; only from the reports or files host."""
        self._check(url)
        response = self.fetcher.get(url)
        if response.status != 200:
            raise SourceError(f"GET {url}: unexpected HTTP {response.status} for a document")
        return response

    # -- fetching ---------------------------------------------------------------------------------

    def _check(self, url: str) -> None:
        if origin(url) not in self.hosts:
            raise RefusedURL(f"refused: link to another host: {url}")

    def _page(self, url: str) -> BeautifulSoup:
        response = self._fetch(url)
        ctype = (response.content_type or "").lower()
        if ctype and "html" not in ctype:
            raise PageChanged(f"{url}: expected an HTML page, got {response.content_type}")
        try:
            return BeautifulSoup(response.body, "html.parser")
        except ParserRejectedMarkup as err:  # e.g. a broken "<![" section: html.parser gives up on the page
            raise PageChanged(f"{url}: the HTML parser rejects the page: {str(err).splitlines()[-1].strip()}") from err

    def _fetch(self, url: str) -> Response:
        """GET a page, conditionally when cached; a 304 gives back the cached body to parse again."""
        cached = self.cache.get(url) if self.cache is not None else None
        if cached is not None and not (cached.etag or cached.last_modified):
            cached = None
        response = self.fetcher.get(
            url, etag=cached.etag if cached else None, last_modified=cached.last_modified if cached else None
        )
        if response.status == 304 and cached is not None:
            self.stats["not_modified"] += 1
            # Re-parse rather than report "unchanged": what was listed but not yet processed is seen again.
            return Response(url, 200, cached.body, "text/html", cached.etag, cached.last_modified)
        if response.status != 200:
            raise SourceError(f"GET {url}: unexpected HTTP {response.status} for a page")
        self.stats["fetched"] += 1
        if self.cache is not None and (response.etag or response.last_modified):
            self.cache.put(url, response.etag, response.last_modified, response.body)
        return response

    # -- the search -------------------------------------------------------------------------------

    def _search_results(self, soup: BeautifulSoup, page_url: str) -> list[ProviderListing]:
        lists = soup.select("ul.results-list")
        scope: list[Tag] = lists if lists else [soup]
        links = [a for s in scope for a in s.find_all("a", href=True) if self._provider_link(a, page_url)]
        if not lists:
            if not links:
                raise PageChanged(f"{page_url}: no ul.results-list and no links to /provider/<type>/<urn>")
            log.warning("%s: no ul.results-list; reading the %d provider links on the page", page_url, len(links))
        elif not links and any(li.get_text(strip=True) for s in lists for li in s.find_all("li")):
            raise PageChanged(f"{page_url}: the results list has entries but none links to a provider page")
        results = []
        for a in links:
            href = _href(a, page_url)
            match = PROVIDER_PATH.match(urlsplit(href).path)
            name = _text(a)
            if match is None or not name:
                continue
            results.append(ProviderListing(urn=match.group(2), name=name, url=href))
        return results

    def _provider_link(self, a: Tag, page_url: str) -> bool:
        href = _href(a, page_url)
        if not PROVIDER_PATH.match(urlsplit(href).path):
            return False
        if origin(href) not in self.hosts:
            log.warning("%s: skipped a provider link to another host: %s", page_url, href)
            return False
        return True

    def _next_page(self, soup: BeautifulSoup, page_url: str) -> str | None:
        link = (
            soup.select_one("a.pagination__next[href]")
            or soup.select_one("a[rel~=next][href]")
            or _link_by_text(soup.select("nav a[href], .pagination a[href]"), "next")
        )
        if link is None:
            return None
        url = _href(link, page_url)
        if origin(url) not in self.hosts:
            # A listing cut short would hide authorities: fail rather than skip.
            raise RefusedURL(f"refused: link to another host: next search page {url} (from {page_url})")
        return url

    # -- a provider page --------------------------------------------------------------------------

    def _parse_provider(self, soup: BeautifulSoup, urn: str, url: str) -> ProviderPage:
        heading = soup.select_one("h1.heading--title") or soup.find("h1")
        name = _text(heading) if isinstance(heading, Tag) else ""
        timeline = soup.select_one("ol.timeline")
        scope: Tag = timeline or soup.select_one("main") or soup
        links = [
            a for a in scope.find_all("a", href=True) if FILE_PATH.match(urlsplit(_href(a, url)).path)
        ]
        if not name and timeline is None and not links:
            raise PageChanged(f"{url}: no h1 heading, no ol.timeline and no links to /v1/file/<id>")
        if timeline is None and not links:
            raise PageChanged(f"{url}: no ol.timeline and no links to /v1/file/<id>")
        if not links and _linked_entries(timeline):
            # the documents moved to another address: not "nothing published"
            raise PageChanged(f"{url}: the timeline has entries with links but none links to /v1/file/<id>")
        if not name:
            log.warning("%s: no h1 heading; publications are listed without an authority name", url)
        if timeline is None and links:
            log.warning("%s: no ol.timeline; reading the %d document links on the page", url, len(links))
        publications, refused, seen = [], [], set()
        for a in links:
            if _skipped_day(a):
                continue
            href = _href(a, url)
            if origin(href) not in self.hosts:
                log.warning("%s: refused a document link to another host: %s", url, href)
                refused.append(href)
                continue
            file_id = FILE_PATH.match(urlsplit(href).path).group(1)  # type: ignore[union-attr]
            if file_id in seen:
                continue
            seen.add(file_id)
            label, published = _label_and_date(a, url)
            publications.append(
                PublicationListing(
                    urn=urn, authority=name, label=label, publication_date=published, url=href, file_id=file_id
                )
            )
        return ProviderPage(urn=urn, name=name, opened=_opened(scope, url), publications=publications, refused=refused)


def _href(a: Tag, base: str) -> str:
    """A link's absolute address; "" for an href that is no address at all ("http://[", ...)."""
    try:
        return urljoin(base, str(a["href"]))
    except ValueError:
        return ""


def _text(tag: Tag | None) -> str:
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


def _link_by_text(links: list[Tag], word: str) -> Tag | None:
    return next((a for a in links if _text(a).lower().startswith(word)), None)


def _classes(tag: Tag) -> list[str]:
    value: str | list[str] = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _skipped_day(a: Tag) -> bool:
    """Whether a link sits in an 'opened' or 'registered' timeline item, which lists no publication."""
    day = a.find_parent("li")
    return day is not None and any(c.endswith(("--opened", "--registered")) for c in _classes(day))


def _linked_entries(timeline: Tag | None) -> int:
    """The timeline's entries, other than 'opened' and 'registered' ones, that hold a link."""
    if timeline is None:
        return 0
    return sum(1 for day in timeline.find_all("li") if day.find("a", href=True)
               and not any(c.endswith(("--opened", "--registered")) for c in _classes(day)))


def _label_and_date(a: Tag, page_url: str) -> tuple[str, date]:
    """The label and publication date of a publication link, from its hidden text or around it."""
    hidden = a.select_one(".nonvisual, .visually-hidden, .govuk-visually-hidden")
    # The hidden span first (the visible text repeats the label), then any span, then the whole link.
    for tag in [hidden, *a.find_all("span"), a]:
        match = LABEL_TEXT.search(_text(tag))
        if match:
            return match.group("label"), _long_date(match.group("date"), page_url)
    # No "<label>, pdf - <date>" text: take the visible text as the label and the day's <time>.
    if hidden is not None:
        hidden.extract()
    label = _text(a)
    day = a.find_parent("li")
    when = day.find("time") if day is not None else None
    if label and isinstance(when, Tag):
        return label, _time_date(when, page_url)
    raise PageChanged(f"{page_url}: cannot read the label and date of the link {a.get('href')}")


def _long_date(text: str, page_url: str) -> date:
    match = LONG_DATE.fullmatch(text.strip())
    month = match.group(2)[:3].lower() if match else ""
    if match is None or month not in MONTHS:
        raise PageChanged(f"{page_url}: cannot read the date {text!r}")
    try:
        return date(int(match.group(3)), MONTHS.index(month) + 1, int(match.group(1)))
    except ValueError as err:
        raise PageChanged(f"{page_url}: cannot read the date {text!r}") from err


def _time_date(tag: Tag, page_url: str) -> date:
    value = str(tag.get("datetime") or "")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return _long_date(_text(tag), page_url)


def _opened(scope: Tag, page_url: str) -> date | None:
    """The 'Opened <date>' of a provider, where the timeline shows one."""
    for day in scope.find_all("li"):
        if not any(c.endswith("--opened") for c in _classes(day)):
            continue
        when = day.find("time")
        if isinstance(when, Tag):
            try:
                return _time_date(when, page_url)
            except PageChanged:
                log.warning("%s: unreadable 'Opened' date %r", page_url, _text(day))
        return None
    return None
