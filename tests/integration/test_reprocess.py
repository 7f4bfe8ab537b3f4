"""Re-reading stored documents with today's parser appends corrections and keeps history."""
from __future__ import annotations

from datetime import date

from events.store import NewEvent
from events.types import InspectionPublished, PublicationUnreadable, VisitPublished
from service import bootstrap
from service.reprocess import reprocess
from service.settings import Settings
from tests import pdfs

URL = "https://files.example/v1/file/"


def test_a_changed_reading_is_corrected_and_the_old_one_still_known_at_before(tmp_path, clock):
    app = bootstrap.build(Settings(data_dir=tmp_path), clock=clock)
    docs = bootstrap.documents(app)
    docs.put("7", URL + "7", "application/pdf", pdfs.letter("Testshire", "17 and 18 May 2023", "care leavers"))
    # what an older parser made of it: the wrong topic
    misread = VisitPublished(urn="80001", authority="Testshire", publication_date=date(2023, 6, 20),
                             visit_start=date(2023, 5, 17), visit_end=date(2023, 5, 18), topic="CIC",
                             priority_action=False, url=URL + "7", file_id="7", parser_version="0")
    app.store.append([NewEvent(misread, "doc:7")])
    then = clock.now
    clock.advance(days=1)
    report = reprocess(app.store, docs)
    assert (report.documents, report.changed, report.events_appended) == (1, 1, 1)
    last = list(app.store.read())[-1]
    assert last.type == "VisitCorrected" and last.data["changes"] == {"topic": "CL"}
    assert app.projection.tables(date(2024, 1, 1))["table_10_1"]["counts"]["Total"]["CL"] == 1
    assert app.projection.tables(date(2024, 1, 1), known_at=then)["table_10_1"]["counts"]["Total"]["CIC"] == 1
    assert reprocess(app.store, docs).events_appended == 0  # the same reading again records nothing


def test_a_document_unreadable_before_is_read_now(tmp_path, clock):
    app = bootstrap.build(Settings(data_dir=tmp_path), clock=clock)
    docs = bootstrap.documents(app)
    letter = pdfs.letter("Testshire", "7 and 8 March 2018", "children in care")
    docs.put("8", URL + "8", "application/pdf", letter)
    earlier = PublicationUnreadable(urn="80001", authority="Testshire", publication_date=date(2018, 4, 10),
                                    label="Children's services focused visit", url=URL + "8", file_id="8",
                                    reason="unknown topic")
    app.store.append([NewEvent(earlier, "unreadable:8:x")])
    report = reprocess(app.store, docs)
    assert report.now_readable == 1
    visit = [r for r in app.store.read() if r.type == "VisitPublished"]
    assert visit[0].data["topic"] == "CIC" and visit[0].data["publication_date"] == "2018-04-10"


def test_a_report_read_anew_with_another_grade_comes_with_its_grade_change(tmp_path, clock):
    app = bootstrap.build(Settings(data_dir=tmp_path), clock=clock)
    docs = bootstrap.documents(app)
    docs.put("9", URL + "9", "application/pdf", pdfs.report("Testshire", "Requires improvement to be good"))
    misread = InspectionPublished(urn="80001", authority="Testshire", publication_date=date(2023, 11, 20),
                                  inspection_start=date(2023, 10, 9), inspection_end=date(2023, 10, 20),
                                  framework="ILACS", overall="Good", url=URL + "9", file_id="9", parser_version="0")
    app.store.append([NewEvent(misread, "doc:9")])
    report = reprocess(app.store, docs)
    assert report.changed == 1
    new = [r for r in app.store.read()][1:]
    assert [r.type for r in new] == ["InspectionPublished", "GradeChanged"]
    assert new[0].data["overall"] == "Requires improvement" and new[1].data["new"] == "Requires improvement"
    assert reprocess(app.store, docs).events_appended == 0
