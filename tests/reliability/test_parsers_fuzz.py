"""Random and mutated input to every parser: the site's pages, a document's text, a document's bytes.

Each returns a reading or raises a clear IlacsError; none crashes with another exception or hangs (the
deadline fails an example that takes too long).
"""
from __future__ import annotations

import contextlib
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from events.errors import IlacsError
from service.classify import InspectionReading, OtherReading, VisitReading, classify
from service.documents import pdf_text
from service.fetch import FakeFetcher, origin
from service.sources.site import OfstedSite
from tests import pdfs
from tests.sitehelpers import CORPUS

SITE, FILES = "https://reports.example", "https://files.example"
SEARCH = f"{SITE}/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
FUZZ = settings(max_examples=200, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])

PROVIDER_PAGE = pdfs.provider_page("80001", "Testshire", [
    ("Children's services focused visit", date(2024, 5, 16), "103"),
    ("Children's services inspection", date(2022, 3, 1), "102"),
    ("Area SEND full inspection", date(2019, 1, 9), "101")], FILES, opened="2012-04-01")
SEARCH_PAGE = pdfs.search_page([("80001", "Testshire"), ("80002", "Newtown"), ("80003", "Old Borough")]).replace(
    "</ul>", '</ul><nav class="pagination"><a class="pagination__next" href="/search?start=100">Next</a></nav>')
LETTER = pdfs.letter("Testshire", "17 and 18 May 2023", "children in care", priority=True)
# corpus documents when present (a letter, a SIF report, an ILACS report), else the tests' own
CORPUS_FILES = ["70000001.pdf", "2760784.pdf", "50204404.pdf"]
SAMPLES = [LETTER, pdfs.report("Testshire", "Good")] + [
    (CORPUS / "files" / name).read_bytes() for name in CORPUS_FILES if (CORPUS / "files" / name).is_file()]
TEXTS = [pdf_text(sample) for sample in SAMPLES]

# pieces that parsers key on, to splice into random places
HTML_PIECES = ['<ol class="timeline">', "</ol>", "<li class=\"timeline__day timeline__day--opened\">", "</li>",
               '<a href="/v1/file/7">', f'<a href="{FILES}/v1/file/8">', '<a href="https://evil.example/v1/file/9">',
               '<a class="pagination__next" href="/search?again">', "</a>", '<span class="nonvisual">', "</span>",
               ", pdf - 31 February 2024", ", pdf - 1 Smarch 2024", ", pdf - 99 May 99999", "<time datetime=\"x\">",
               '<ul class="results-list">', '<a href="/provider/44/">', '<a href="/provider/44/1/2">', "<h1>",
               '<a href="http://[::1">', '<a href="//[">', '<a href="http://reports.example:99999/v1/file/1">',
               "<!--", "<![CDATA[", "&#0;", "\x00", "<script>", "\ufffd", "<"]
TEXT_PIECES = ["focused visit", "summarises the findings of the focused visit to", "Focused visit to ", "\n",
               "Areas for priority action", "There are no priority actions", "Inspection dates:", "Judgement",
               "Overall effectiveness", "Requires improvement to be good", "Inadequate", "children in care",
               "care leavers", "the front door", " 30 February 2023", " 1 and 2 ", " May ", "2019", " to ", ",",
               "Inspection of Testshire local authority children's services", "\f", "\ufffe", "\u00ad"]


def mutated(base: str | bytes, pieces: list) -> st.SearchStrategy:
    """The base with a few random edits: slices dropped or repeated, pieces or noise spliced in."""
    noise = st.binary(max_size=40) if isinstance(base, bytes) else st.text(max_size=40)
    edit = st.tuples(st.sampled_from(["drop", "repeat", "splice", "noise", "truncate"]),
                     st.floats(0, 1), st.floats(0, 1), st.sampled_from(pieces), noise)

    def apply(edits: list) -> str | bytes:
        out = base
        for op, a, b, piece, junk in edits:
            i, j = sorted((int(a * len(out)), int(b * len(out))))
            if op == "drop":
                out = out[:i] + out[j:]
            elif op == "repeat":
                out = out[:j] + out[i:j] * 3 + out[j:]
            elif op == "splice":
                out = out[:i] + piece + out[i:]
            elif op == "noise":
                out = out[:i] + junk + out[j:]
            else:
                out = out[:j]
        return out

    return st.lists(edit, min_size=1, max_size=6).map(apply)


def site_answering(url: str, body: str | bytes, content_type: str = "text/html") -> OfstedSite:
    fetcher = FakeFetcher()
    fetcher.add(url, body, content_type=content_type)
    return OfstedSite(fetcher, SITE, FILES)


@FUZZ
@given(body=mutated(PROVIDER_PAGE, HTML_PIECES) | st.text(max_size=2000)
       | st.binary(max_size=2000).map(lambda b: b.decode("latin-1")))
@example(body="")
@example(body='<![C<ol class="timeline">DATA[')  # html.parser rejects the whole page
@example(body="<ol class='timeline'>" + "<li><a href='/v1/file/1'>" * 300)
def test_a_provider_page_reads_or_fails_clearly(body):
    site = site_answering(f"{SITE}/provider/44/80001", body)
    try:
        page = site.provider_page("80001")
    except IlacsError as err:
        event(f"refused: {type(err).__name__}")
        return
    event(f"read: {len(page.publications)} publications")
    for publication in page.publications:
        assert origin(publication.url) in site.hosts and publication.file_id.isdigit()
        assert isinstance(publication.publication_date, date)


@FUZZ
@given(body=mutated(SEARCH_PAGE, HTML_PIECES) | st.text(max_size=2000))
def test_a_search_page_reads_or_fails_clearly(body):
    site = site_answering(SEARCH, body)
    try:
        listed = site.list_providers()
    except IlacsError as err:
        event(f"refused: {type(err).__name__}")
        return
    event("read")
    assert listed and all(p.urn.isdigit() and p.name for p in listed)


@FUZZ
@given(text=st.sampled_from(TEXTS).flatmap(lambda t: mutated(t, TEXT_PIECES)) | st.text(max_size=3000),
       label=st.none() | st.sampled_from(["Children's services focused visit", "Children's services inspection",
                                          "Area SEND full inspection", ""]))
def test_a_document_text_reads_or_fails_clearly(text, label):
    try:
        reading = classify(text, label)
    except IlacsError as err:
        event(f"refused: {type(err).__name__}")
        return
    event(f"read: {type(reading).__name__}")
    assert isinstance(reading, VisitReading | InspectionReading | OtherReading)
    if isinstance(reading, VisitReading):
        assert reading.visit_start <= reading.visit_end


@FUZZ
@given(data=st.sampled_from(SAMPLES[:2] + SAMPLES[2:3]).flatmap(lambda d: mutated(d, [b"%PDF-", b"%%EOF", b"obj",
                                                                                     b"endobj", b"stream", b"xref",
                                                                                     b"/Count 99999", b"\x00" * 64]))
       | st.binary(max_size=4000))
def test_document_bytes_read_or_fail_clearly(data):
    try:
        text = pdf_text(data)
    except IlacsError as err:
        event(f"refused: {str(err).split(':')[0]}")
        return
    event("read")
    assert isinstance(text, str) and text.strip()


@pytest.mark.parametrize("text", [
    "1" + " ," * 20_000 + " x",  # a date run that never reaches a month
    ("1 and " * 5_000) + "May",
    "Focused visit to " + "a" * 50_000,
    "summarises the findings of the focused visit to " + "on 1 " * 10_000,
    "Areas for priority action\n" * 5_000,
    "Inspection of " + "x " * 50_000 + "Overall effectiveness",
])
def test_long_adversarial_texts_are_read_in_bounded_time(text):
    started = time.monotonic()
    with contextlib.suppress(IlacsError):
        classify(text)
    assert time.monotonic() - started < 2.0


def test_the_corpus_samples_are_in_use_when_the_corpus_is_here():
    if not Path(CORPUS / "files").is_dir():
        pytest.skip("no corpus: the fuzzing starts from the tests' own documents only")
    assert len(SAMPLES) == 2 + len(CORPUS_FILES)
