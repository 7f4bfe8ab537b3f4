"""Every document of the real corpus read, measured against the SESLIP page's published figures."""

from __future__ import annotations

import csv
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from events.errors import UnreadableDocument
from events.vocabulary import OVERALL_GRADES, TOPICS
from service.classify import InspectionReading, OtherReading, Reading, VisitReading, classify
from service.documents import pdf_text

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "ofsted"
AS_AT = "2024-11-21"  # the seed page's date, up to which the corpus is complete
FOCUSED_VISIT = "children's services focused visit"
INSPECTION = "children's services inspection"
# Table 10.1's Total row; it also counts about five visits to closed authorities that the corpus lacks
SEED_TOPICS = {"FD": 85, "CIN/CPP": 89, "VCEFR": 12, "CIC": 29, "PAP": 22, "CL": 44, "PDMOC": 2, "C-19": 42}
SEED_SLACK = 5
READ_SECONDS = 60


@dataclass(frozen=True)
class Read:
    """One listed document and what reading it gave."""

    urn: str
    label: str
    publication_date: str
    file_id: str
    reading: Reading | UnreadableDocument


@dataclass(frozen=True)
class Corpus:
    reads: list[Read]
    names: dict[str, str]
    seconds: float

    def labelled(self, label: str) -> list[Read]:
        return [read for read in self.reads if read.label.lower() == label]

    def visits(self, up_to: str = AS_AT) -> list[tuple[Read, VisitReading]]:
        return [(read, read.reading) for read in self.labelled(FOCUSED_VISIT)
                if isinstance(read.reading, VisitReading) and read.publication_date <= up_to]


def read_one(path: Path, label: str) -> Reading | UnreadableDocument:
    try:
        return classify(pdf_text(path.read_bytes()), label)
    except UnreadableDocument as error:
        return error


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    """Every listed document read once, timed."""
    if not (CORPUS / "publications.csv").is_file():
        pytest.skip(f"the real Ofsted corpus is not at {CORPUS}")
    with (CORPUS / "providers.csv").open(newline="", encoding="utf-8") as f:
        names = {row["urn"]: row["name"] for row in csv.DictReader(f)}
    with (CORPUS / "publications.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    started = time.perf_counter()
    reads = [Read(row["urn"], row["label"], row["publication_date"], row["file_id"],
                  read_one(CORPUS / "files" / f"{row['file_id']}.pdf", row["label"])) for row in rows]
    return Corpus(reads, names, time.perf_counter() - started)


def test_the_whole_corpus_reads_quickly(corpus: Corpus) -> None:
    assert len(corpus.reads) > 700
    assert corpus.seconds < READ_SECONDS


def test_every_focused_visit_letter_reads_as_a_visit(corpus: Corpus) -> None:
    failures = [(read.file_id, read.reading) for read in corpus.labelled(FOCUSED_VISIT)
                if not isinstance(read.reading, VisitReading)]
    assert failures == []


def test_topic_totals_are_the_seed_pages_within_a_few(corpus: Corpus) -> None:
    counts = Counter(reading.topic for _, reading in corpus.visits())
    assert set(counts) <= set(TOPICS)
    for topic, seed in SEED_TOPICS.items():
        assert abs(counts[topic] - seed) <= SEED_SLACK, (topic, counts[topic], seed)
    assert sum(SEED_TOPICS.values()) - SEED_SLACK <= sum(counts.values()) <= sum(SEED_TOPICS.values())


def test_priority_actions_are_the_seed_pages(corpus: Corpus) -> None:
    assert 21 <= sum(reading.priority_action for _, reading in corpus.visits()) <= 23


def test_the_two_pdmoc_visits_are_dudley_and_stockton(corpus: Corpus) -> None:
    pdmoc = [(corpus.names[read.urn], reading) for read, reading in corpus.visits() if reading.topic == "PDMOC"]
    assert sorted(name for name, _ in pdmoc) == ["Dudley", "Stockton-on-Tees"]
    assert all(name in (reading.authority or "") for name, reading in pdmoc)
    assert sorted(reading.visit_start.strftime("%Y-%m") for _, reading in pdmoc) == ["2024-02", "2024-09"]


def test_covid_visits_fall_in_2020_21(corpus: Corpus) -> None:
    starts = [reading.visit_start for _, reading in corpus.visits() if reading.topic == "C-19"]
    assert starts and all(date(2020, 9, 1) <= start <= date(2021, 7, 31) for start in starts)


def test_visit_dates_are_sensible(corpus: Corpus) -> None:
    for read, reading in corpus.visits(up_to="9999-12-31"):
        published = date.fromisoformat(read.publication_date)
        assert 0 <= (reading.visit_end - reading.visit_start).days <= 4, read.file_id
        assert 0 < (published - reading.visit_end).days <= 120, read.file_id
        assert reading.authority, read.file_id


def test_every_inspection_document_is_a_report_or_named_other(corpus: Corpus) -> None:
    unreadable = [read for read in corpus.labelled(INSPECTION) if isinstance(read.reading, UnreadableDocument)]
    # the four 2012 "PDFs" that are Ofsted's HTML "Report not found" page
    assert len(unreadable) == 4
    assert all("not a PDF: HTML page 'Report not found'" in str(read.reading) for read in unreadable)
    assert all(read.publication_date < "2013-01-01" for read in unreadable)
    others = [read.reading for read in corpus.labelled(INSPECTION) if isinstance(read.reading, OtherReading)]
    assert all(other.kind and other.reason for other in others)
    assert len(others) <= 10


def test_inspection_frameworks_are_sensible(corpus: Corpus) -> None:
    reports = [(read, read.reading) for read in corpus.labelled(INSPECTION)
               if isinstance(read.reading, InspectionReading)]
    frameworks = Counter(reading.framework for _, reading in reports)
    assert frameworks["SIF"] >= 150 and frameworks["ILACS"] >= 230 and frameworks["ILACS-2026"] == 1
    for read, reading in reports:
        assert reading.inspection_start and reading.inspection_end, read.file_id
        assert reading.authority and reading.judgements, read.file_id
        if reading.framework == "SIF":
            assert reading.overall in OVERALL_GRADES and reading.inspection_start < date(2018, 7, 1), read.file_id
        elif reading.framework == "ILACS":
            assert reading.overall in OVERALL_GRADES and reading.inspection_start >= date(2018, 1, 1), read.file_id
            assert reading.judgements["Overall effectiveness"] == reading.overall, read.file_id
        else:
            assert reading.framework == "ILACS-2026" and reading.overall is None, read.file_id
            assert corpus.names[read.urn] == "North Northamptonshire"
