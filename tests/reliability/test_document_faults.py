"""Documents that fail to download: the facts a run with faults ends with are those of a run without.

A provider's documents are read oldest first because a report's grade change is measured against the
grade in force before it; a gap left by a failed download must not make a later report look like a change.
"""
from __future__ import annotations

from datetime import date

import pytest

from events.errors import SourceError
from notifiers.ports import RecordingSender
from service import bootstrap
from service.fetch import FakeFetcher, HttpError, RefusedURL
from service.settings import Settings
from tests import pdfs
from tests.reliability.helpers import facts

SITE, FILES = "https://reports.example", "https://files.example"
SEARCH = f"{SITE}/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
REPORT, VISIT = "Children's services inspection", "Children's services focused visit"


def site() -> FakeFetcher:
    """Testshire: judged Good in 2015 and again in 2019 (no change), then visited in 2021."""
    fetcher = FakeFetcher()
    fetcher.add(SEARCH, pdfs.search_page([("80001", "Testshire")]))
    fetcher.add(f"{SITE}/provider/44/80001", pdfs.provider_page("80001", "Testshire", [
        (VISIT, date(2021, 6, 1), "103"), (REPORT, date(2019, 3, 1), "102"), (REPORT, date(2015, 3, 1), "101")],
        FILES))
    fetcher.add(f"{FILES}/v1/file/101", pdfs.report("Testshire", "Good"), content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/102", pdfs.report("Testshire", "Good"), content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/103", pdfs.letter("Testshire", "4 and 5 May 2021", "care leavers"),
                content_type="application/pdf")
    return fetcher


def app_in(folder) -> bootstrap.App:
    return bootstrap.build(Settings(data_dir=folder, reports_url=SITE, files_url=FILES, request_pace=0))


@pytest.fixture
def fault_free(tmp_path):
    app = app_in(tmp_path / "fault-free")
    assert bootstrap.poll(app, fetcher=site()).ok
    return facts(app)


def grade_changes(app: bootstrap.App) -> list[tuple[str, str, str]]:
    return [(r.data["file_id"], r.data["previous"], r.data["new"])
            for r in app.store.read() if r.type == "GradeChanged"]


def test_an_earlier_report_that_fails_to_download_does_not_make_the_later_one_a_grade_change(tmp_path, fault_free):
    app = app_in(tmp_path / "faulty")
    fetcher = site()
    fetcher.responses[f"{FILES}/v1/file/101"] = SourceError("GET 101 failed after 4 tries; last failure: HTTP 503")
    first = bootstrap.poll(app, fetcher=fetcher)
    assert not first.ok and "101" in first.failures[0]
    assert grade_changes(app) == []  # 2019's Good is no change until 2015's report is read
    assert bootstrap.poll(app, fetcher=site()).ok
    assert grade_changes(app) == [("101", "Not inspected", "Good")]
    assert facts(app) == fault_free


@pytest.mark.parametrize("failure", [
    HttpError("GET https://files.example/v1/file/101: HTTP 404", f"{FILES}/v1/file/101", 404),
    RefusedURL("refused: link to another host: https://files.example/v1/file/101 redirects to https://evil.example/"),
])
def test_a_document_the_host_refuses_for_good_is_kept_as_unreadable_and_holds_nothing_back(tmp_path, failure):
    app = app_in(tmp_path)
    fetcher = site()
    fetcher.responses[f"{FILES}/v1/file/101"] = failure
    report = bootstrap.poll(app, fetcher=fetcher)
    assert report.ok and report.unreadable == 1
    unreadable = [r.data for r in app.store.read() if r.type == "PublicationUnreadable"]
    assert [(u["file_id"], u["reason"]) for u in unreadable] == [("101", f"not downloaded: {failure}")]
    assert {r.data["file_id"] for r in app.store.read() if r.type in ("InspectionPublished", "VisitPublished")} == {
        "102", "103"}
    again = bootstrap.poll(app, fetcher=fetcher)  # retried, and the same answer records nothing new
    assert again.events_appended == 0 and fetcher.urls.count(f"{FILES}/v1/file/101") == 2
    bootstrap.poll(app, fetcher=site())  # the host serves it at last: read then
    assert "101" in {r.data["file_id"] for r in app.store.read() if r.type == "InspectionPublished"}


def test_a_document_that_keeps_failing_tells_the_operator_once_after_three_partial_polls(tmp_path):
    sender = RecordingSender()
    settings = Settings(data_dir=tmp_path, reports_url=SITE, files_url=FILES, request_pace=0,
                        operator_email="ops@example.org")
    app = bootstrap.build(settings, sender=sender)
    fetcher = site()
    fetcher.responses[f"{FILES}/v1/file/103"] = SourceError("GET 103 failed after 4 tries; last failure: HTTP 503")
    for polls in range(1, 5):
        assert not bootstrap.poll(app, fetcher=fetcher).ok
        assert app.alerts is not None
        app.alerts.send_due()
        told = [str(m["Subject"]) for m in sender.sent]
        assert told == ([] if polls < 3 else ["ilacs: the last 3 polls failed"]), polls
    assert "poll partial" in sender.sent[0].get_content()  # the summaries (which document failed is not said)
