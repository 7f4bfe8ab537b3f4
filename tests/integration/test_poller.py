"""Polling a site of the tests' own: what is recorded, what is retried, what is never recorded twice."""
from __future__ import annotations

from datetime import date

import pytest

from events.errors import SourceError
from service import bootstrap
from service.fetch import FakeFetcher
from service.settings import Settings
from service.sources.site import PageChanged
from tests import pdfs

SITE, FILES = "https://reports.example", "https://files.example"
SEARCH = f"{SITE}/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
VISIT, REPORT = "Children's services focused visit", "Children's services inspection"


def make_site() -> FakeFetcher:
    fetcher = FakeFetcher()
    fetcher.add(SEARCH, pdfs.search_page([("80001", "Testshire"), ("80002", "Newtown")]), etag='"s1"')
    fetcher.add(f"{SITE}/provider/44/80001", pdfs.provider_page("80001", "Testshire", [
        (VISIT, date(2023, 6, 20), "103"), (REPORT, date(2022, 3, 1), "102"), ("CHILDREN'S SERVICES INSPECTION",
                                                                              date(2012, 8, 1), "101")], FILES),
        etag='"p1"')
    fetcher.add(f"{SITE}/provider/44/80002", pdfs.provider_page("80002", "Newtown", [
        (VISIT, date(2024, 1, 10), "201")], FILES, opened="2021-04-01"), etag='"p2"')
    fetcher.add(f"{FILES}/v1/file/101", "<html><title>Report not found</title></html>", content_type="text/html")
    fetcher.add(f"{FILES}/v1/file/102", pdfs.report("Testshire", "Requires improvement to be good"),
                content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/103", pdfs.letter("Testshire", "17 and 18 May 2023", "children in care", True),
                content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/201", pdfs.letter("Newtown", "5 and 6 December 2023", "care leavers"),
                content_type="application/pdf")
    return fetcher


@pytest.fixture
def app(tmp_path, clock):
    settings = Settings(data_dir=tmp_path, reports_url=SITE, files_url=FILES, request_pace=0)
    return bootstrap.build(settings, clock=clock)


def types(app) -> list[str]:
    return [r.type for r in app.store.read()]


def document_requests(fetcher: FakeFetcher) -> int:
    return sum("/v1/file/" in r.url for r in fetcher.requests)


def test_first_poll_records_every_fact_and_is_a_backfill(app):
    fetcher = make_site()
    report = bootstrap.poll(app, fetcher=fetcher)
    assert report.ok and report.backfill
    assert (report.new_publications, report.unreadable, report.documents_downloaded) == (3, 1, 4)
    records = list(app.store.read())
    visits = {r.data["file_id"]: r.data for r in records if r.type == "VisitPublished"}
    assert visits["103"]["topic"] == "CIC" and visits["103"]["priority_action"] is True
    assert visits["103"]["visit_start"] == "2023-05-17" and visits["103"]["url"] == f"{FILES}/v1/file/103"
    assert visits["201"]["topic"] == "CL" and visits["201"]["label"] == VISIT
    change = next(r.data for r in records if r.type == "GradeChanged")
    assert (change["previous"], change["new"], change["effective_date"]) == (
        "Not inspected", "Requires improvement", "2022-03-01")
    unreadable = next(r.data for r in records if r.type == "PublicationUnreadable")
    assert unreadable["file_id"] == "101" and "not a PDF" in unreadable["reason"]
    newtown = [r.data for r in records if r.type == "AuthorityRecorded" and r.data["urn"] == "80002"][-1]
    assert newtown["opened"] == "2021-04-01"
    assert types(app)[-1] == "BackfillCompleted"
    assert "Cumbria" in {r.data["name"] for r in records if r.type == "AuthorityRecorded"}  # shipped closed ones
    t = app.projection.tables(date(2024, 11, 21))
    assert t["table_10_1"]["counts"]["Requires improvement"]["CIC"] == 1
    assert t["table_10_1"]["counts"]["Not inspected"]["CL"] == 1


def test_second_poll_of_an_unchanged_site_downloads_nothing_and_appends_nothing(app):
    fetcher = make_site()
    bootstrap.poll(app, fetcher=fetcher)
    before = app.store.last_position()
    fetcher.requests.clear()
    report = bootstrap.poll(app, fetcher=fetcher)
    assert report.ok and not report.backfill
    assert app.store.last_position() == before and report.events_appended == 0
    assert document_requests(fetcher) == 0
    assert all(r.etag for r in fetcher.requests)  # every page asked for conditionally


def test_a_document_that_fails_to_download_is_retried_next_poll_and_nothing_is_lost(app):
    fetcher = make_site()
    good = fetcher.responses[f"{FILES}/v1/file/201"]
    fetcher.responses[f"{FILES}/v1/file/201"] = SourceError("GET 201 failed after 4 tries; last failure: HTTP 503")
    report = bootstrap.poll(app, fetcher=fetcher)
    assert not report.ok and "201" in report.failures[0]
    assert "BackfillCompleted" not in types(app)  # the backfill goes on until a poll completes
    fetcher.responses[f"{FILES}/v1/file/201"] = good
    report = bootstrap.poll(app, fetcher=fetcher)
    assert report.ok and report.backfill and report.new_publications == 1
    assert types(app).count("VisitPublished") == 2


def test_a_crash_halfway_then_a_rerun_ends_with_the_same_facts(app, tmp_path, clock):
    fetcher = make_site()
    fetcher.responses[f"{SITE}/provider/44/80002"] = RuntimeError("killed")
    with pytest.raises(RuntimeError):
        bootstrap.poll(app, fetcher=fetcher)
    fetcher2 = make_site()
    bootstrap.poll(app, fetcher=fetcher2)
    again = bootstrap.build(Settings(data_dir=tmp_path / "other", reports_url=SITE, files_url=FILES), clock=clock)
    bootstrap.poll(again, fetcher=make_site())
    def facts(a):
        return sorted((r.type, r.key) for r in a.store.read() if r.key)
    assert facts(app) == facts(again)


def test_unreadable_document_is_recorded_once_and_not_downloaded_again(app):
    fetcher = make_site()
    bootstrap.poll(app, fetcher=fetcher)
    fetcher.requests.clear()
    bootstrap.poll(app, fetcher=fetcher)
    assert types(app).count("PublicationUnreadable") == 1
    assert document_requests(fetcher) == 0


def test_a_search_page_that_no_longer_parses_fails_loudly(app):
    fetcher = make_site()
    fetcher.add(SEARCH, "<html><body><p>We have moved things around</p></body></html>")
    with pytest.raises(PageChanged):
        bootstrap.poll(app, fetcher=fetcher)


def test_a_provider_page_that_fails_is_reported_and_the_others_are_read(app):
    fetcher = make_site()
    fetcher.add(f"{SITE}/provider/44/80001", "<html><body>nothing here</body></html>")
    report = bootstrap.poll(app, fetcher=fetcher)
    assert not report.ok and "80001" in report.failures[0]
    assert types(app).count("VisitPublished") == 1


FEED = "https://feeds.example/ofsted.atom"


def atom(entries: list[tuple[str, str, str]]) -> str:
    items = "".join(f"<entry><id>{i}</id><title>{t}</title><link href=\"{link}\"/><updated>2024-02-01T09:00:00Z"
                    f"</updated></entry>" for i, t, link in entries)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>'
            f"<title>Feed</title><updated>2024-02-01T09:00:00Z</updated>{items}</feed>")


def test_feed_entries_are_read_like_publications_and_the_others_kept(tmp_path, clock):
    settings = Settings(data_dir=tmp_path, reports_url=SITE, files_url=FILES, request_pace=0, feeds=(FEED,))
    app = bootstrap.build(settings, clock=clock)
    fetcher = make_site()
    fetcher.add(f"{FILES}/v1/file/301", pdfs.letter("Testshire", "9 and 10 January 2024", "the 'front door'"),
                content_type="application/pdf")
    fetcher.add(FEED, atom([("a", "Testshire: focused visit letter", f"{FILES}/v1/file/301"),
                            ("b", "Newtown", f"{SITE}/provider/44/80002"),
                            ("c", "Children's social care statistics", "https://www.gov.uk/stats/1")]),
                content_type="application/atom+xml")
    report = bootstrap.poll(app, fetcher=fetcher)
    assert report.ok, report.failures
    visits = {r.data["file_id"]: r.data for r in app.store.read() if r.type == "VisitPublished"}
    assert visits["301"]["urn"] == "80001" and visits["301"]["topic"] == "FD"
    assert visits["301"]["publication_date"] == "2024-02-01"
    noted = [r.data for r in app.store.read() if r.type == "FeedEntryNoted"]
    assert [n["entry_id"] for n in noted] == ["c"]
    before = app.store.last_position()
    bootstrap.poll(app, fetcher=fetcher)
    assert app.store.last_position() == before


def test_each_poll_is_kept_with_its_outcome(app):
    fetcher = make_site()
    bootstrap.poll(app, fetcher=fetcher)
    fetcher.add(SEARCH, "<html><body>moved</body></html>")
    with pytest.raises(PageChanged):
        bootstrap.poll(app, fetcher=fetcher)
    runs = bootstrap.PollRuns(app.engine).latest(2)
    assert [r.ok for r in runs] == [False, True]
    assert "poll failed" in runs[0].summary and "4 unreadable" not in runs[1].summary
    assert bootstrap.PollRuns(app.engine).last_success() == runs[1]


def test_one_document_that_keeps_failing_does_not_keep_the_backfill_going_for_ever(app):
    fetcher = FakeFetcher()
    providers = [(str(81000 + n), f"Shire {n}") for n in range(30)]
    fetcher.add(SEARCH, pdfs.search_page(providers))
    letter = pdfs.letter("Shire", "17 and 18 May 2023", "care leavers")
    for urn, name in providers:
        fetcher.add(f"{SITE}/provider/44/{urn}", pdfs.provider_page(urn, name, [(VISIT, date(2023, 6, 20), urn)],
                                                                      FILES))
        fetcher.add(f"{FILES}/v1/file/{urn}", letter, content_type="application/pdf")
    fetcher.responses[f"{FILES}/v1/file/81007"] = SourceError("GET 81007 failed after 4 tries; last failure: 503")
    first = bootstrap.poll(app, fetcher=fetcher)
    assert not first.ok and first.backfill and "BackfillCompleted" in types(app)
    second = bootstrap.poll(app, fetcher=fetcher)
    assert not second.backfill and second.failures == first.failures


def test_many_failures_keep_the_backfill_going(app):
    fetcher = make_site()
    fetcher.responses[f"{FILES}/v1/file/201"] = SourceError("GET 201 failed after 4 tries; last failure: 503")
    fetcher.responses[f"{SITE}/provider/44/80001"] = SourceError("GET 80001 failed after 4 tries")
    assert bootstrap.poll(app, fetcher=fetcher).backfill
    assert bootstrap.poll(app, fetcher=fetcher).backfill
    assert "BackfillCompleted" not in types(app)
