"""HttpFetcher and the site source over real sockets: a scripted http.server, and ofsted_site.py."""

from __future__ import annotations

import csv
import time
from datetime import date

import pytest

from events.errors import SourceError
from service.fetch import HttpFetcher
from service.sources.site import MemoryPageCache, OfstedSite
from tests.sitehelpers import CORPUS, LocalSite, Scripted, free_port, scripted_server


def no_sleep(seconds: float) -> None:
    pass


def http(*bases: str, **kwargs: object) -> HttpFetcher:
    options: dict = {"timeout": 2.0, "tries": 4, "backoff": 0.01, "min_interval": 0.0, "sleep": no_sleep}
    options.update(kwargs)
    return HttpFetcher(bases, **options)


def test_retries_5xx_until_the_server_answers() -> None:
    script = Scripted({"/p": [(503, {}, b"busy"), (500, {}, b"oops"), (200, {"Content-Type": "text/plain"}, b"ok")]})
    with scripted_server(script) as base, http(base) as fetcher:
        response = fetcher.get(base + "/p")
    assert (response.status, response.body) == (200, b"ok")
    assert len(script.seen) == 3


def test_etag_gives_304_and_the_fetcher_returns_it() -> None:
    script = Scripted({"/p": [(200, {"ETag": '"v1"', "Content-Type": "text/html"}, b"<h1>A</h1>")]})
    with scripted_server(script) as base, http(base) as fetcher:
        first = fetcher.get(base + "/p")
        second = fetcher.get(base + "/p", etag=first.etag)
    assert (first.status, first.etag, second.status, second.body) == (200, '"v1"', 304, b"")
    assert script.seen[1][1].get("If-None-Match") == '"v1"'


def test_slow_server_times_out_and_gives_source_error() -> None:
    script = Scripted({"/p": [(200, {}, b"late")]}, delay=10.0)
    started = time.monotonic()
    with (
        scripted_server(script) as base,
        http(base, timeout=0.2, tries=2) as fetcher,
        pytest.raises(SourceError, match=r"failed after 2 tries; last failure: timed out"),
    ):
        fetcher.get(base + "/p")
    assert time.monotonic() - started < 5


def test_dead_server_gives_source_error() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    with http(base, tries=2) as fetcher, pytest.raises(SourceError, match="127.0.0.1.*ConnectError"):
        fetcher.get(base + "/p")


def test_redirect_to_another_local_host_is_refused() -> None:
    script = Scripted({"/p": [(302, {"Location": "http://localhost:1/elsewhere"}, b"")]})
    with (
        scripted_server(script) as base,
        http(base) as fetcher,
        pytest.raises(SourceError, match="refused: link to another host"),
    ):
        fetcher.get(base + "/p")
    assert [path for path, _ in script.seen] == ["/p"]


def site_source(site: LocalSite, **kwargs: object) -> tuple[OfstedSite, HttpFetcher]:
    fetcher = http(site.url, tries=kwargs.pop("tries", 4))  # type: ignore[arg-type]
    return OfstedSite(fetcher, site.url, site.url, **kwargs), fetcher  # type: ignore[arg-type]


def open_providers() -> dict[str, str]:
    with open(CORPUS / "providers.csv", newline="") as f:
        return {row["urn"]: row["name"] for row in csv.DictReader(f) if row["status"] == "open"}


@pytest.mark.corpus
def test_lists_all_153_providers_across_two_pages(ofsted_site: LocalSite) -> None:
    source, fetcher = site_source(ofsted_site)
    with fetcher:
        listed = source.list_providers()
    assert len(listed) == 153
    assert {p.urn: p.name for p in listed} == open_providers()
    assert ofsted_site.requests() == {"search": 2}


@pytest.mark.corpus
def test_reads_a_provider_page(ofsted_site: LocalSite) -> None:
    source, fetcher = site_source(ofsted_site)
    with fetcher:
        page = source.provider_page("2637539")
    assert (page.name, page.opened) == ("North Northamptonshire", date(2021, 4, 1))
    with open(CORPUS / "publications.csv", newline="") as f:
        expected = {
            (r["file_id"], r["label"], r["publication_date"])
            for r in csv.DictReader(f)
            if r["urn"] == "2637539" and r["publication_date"] <= "2024-11-21"
        }
    assert {(p.file_id, p.label, p.publication_date.isoformat()) for p in page.publications} == expected
    dates = [p.publication_date for p in page.publications]
    assert dates == sorted(dates, reverse=True) and page.refused == []


@pytest.mark.corpus
def test_reads_a_document(ofsted_site: LocalSite) -> None:
    source, fetcher = site_source(ofsted_site)
    with fetcher:
        publication = source.provider_page("80464").publications[0]
        document = source.document(publication.url)
    assert document.body.startswith(b"%PDF") and document.content_type == "application/pdf"


@pytest.mark.corpus
def test_second_full_listing_makes_conditional_requests_answered_304(ofsted_site: LocalSite) -> None:
    source, fetcher = site_source(ofsted_site, cache=MemoryPageCache())
    with fetcher:
        first = {p.urn: source.provider_page(p.urn, p.url) for p in source.list_providers()}
        assert source.stats == {"fetched": 155}
        second = {p.urn: source.provider_page(p.urn, p.url) for p in source.list_providers()}
    # The 304s still give back the whole pages, so nothing listed is lost between polls.
    assert second == first
    assert source.stats == {"fetched": 155, "not_modified": 155}
    assert ofsted_site.requests() == {"search": 4, "provider": 306}


@pytest.mark.corpus
def test_a_new_publication_shows_through_the_cache(ofsted_site: LocalSite) -> None:
    ofsted_site.set_as_at("2024-06-01")
    source, fetcher = site_source(ofsted_site, cache=MemoryPageCache())
    with fetcher:
        before = source.provider_page("2637539")
        ofsted_site.set_as_at("2024-11-21")
        after = source.provider_page("2637539")
    assert {p.file_id for p in after.publications} - {p.file_id for p in before.publications} == {"70000318"}


@pytest.mark.corpus
def test_full_listing_survives_30_percent_errors(ofsted_site: LocalSite) -> None:
    ofsted_site.set_faults(error_rate=0.3, seed=1)
    source, fetcher = site_source(ofsted_site, tries=8)
    with fetcher:
        pages = [source.provider_page(p.urn, p.url) for p in source.list_providers()]
    assert len(pages) == 153
    served = ofsted_site.requests()
    assert served["search"] + served["provider"] > 155  # some were 503s, retried
