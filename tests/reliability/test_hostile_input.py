"""Hostile or broken input from the site: markup and template syntax in names and documents, a redirect
to another host, an endless response, a PDF of thousands of pages or of none, a page whose markup changed.
"""
from __future__ import annotations

import html
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from click.testing import CliRunner
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from service import bootstrap
from service.cli import main
from service.fetch import FakeFetcher, HttpFetcher, RefusedURL
from service.settings import Settings
from service.sources.site import OfstedSite, PageChanged
from tests import pdfs
from tests.sitehelpers import serve_in_thread

SITE, FILES = "https://reports.example", "https://files.example"
SEARCH_PATH = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
VISIT, REPORT = "Children's services focused visit", "Children's services inspection"
HOSTILE = '<script>alert("owned")</script> {{ 7*191 }} {% raw %}'  # 7*191 = 1337: evaluated, it would show
NAME = f"Testshire {HOSTILE}"


def app_in(folder, reports: str = SITE, files: str = FILES) -> bootstrap.App:
    return bootstrap.build(Settings(data_dir=folder, reports_url=reports, files_url=files, request_pace=0))


# --- markup and template syntax are data --------------------------------------------------------

def hostile_site() -> FakeFetcher:
    fetcher = FakeFetcher()
    fetcher.add(SITE + SEARCH_PATH, pdfs.search_page([("80001", NAME)]))  # the pages escape it, as the site does
    fetcher.add(f"{SITE}/provider/44/80001", pdfs.provider_page("80001", NAME, [
        (f"{HOSTILE} review", date(2024, 3, 1), "103"), (REPORT, date(2024, 2, 1), "102"),
        (VISIT, date(2023, 6, 20), "101")], FILES))
    fetcher.add(f"{FILES}/v1/file/101", pdfs.letter("Testshire", "17 and 18 May 2023", "the 'front door'"),
                content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/102", pdfs.pdf(HOSTILE, "Nothing a reader recognises."),
                content_type="application/pdf")
    fetcher.add(f"{FILES}/v1/file/103", pdfs.pdf("A review of something else."), content_type="application/pdf")
    return fetcher


@pytest.fixture
def hostile(tmp_path) -> bootstrap.App:
    app = app_in(tmp_path)
    assert bootstrap.poll(app, fetcher=hostile_site()).ok
    return app


def tables_as(app: bootstrap.App, fmt: str) -> str:
    result = CliRunner().invoke(main, ["tables", "--db", app.settings.store_url, "--as-at", "2024-11-21",
                                       "--format", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_markup_and_template_syntax_are_recorded_verbatim(hostile):
    records = {r.type: r.data for r in hostile.store.read() if r.data.get("urn") == "80001"}
    assert records["AuthorityRecorded"]["name"] == NAME
    assert records["VisitPublished"]["authority"] == NAME
    assert HOSTILE in records["PublicationUnreadable"]["reason"]  # the excerpt of the text not understood
    assert records["PublicationNoted"]["label"] == records["PublicationNoted"]["kind"] == f"{HOSTILE} review"


def test_html_tables_escape_the_markup_and_evaluate_no_template(hostile):
    page = tables_as(hostile, "html")
    assert html.escape(NAME) in page
    assert "<script" not in page and "1337" not in page
    assert "{{ 7*191 }}" in page  # braces are not markup: shown as they were written


@pytest.mark.parametrize("fmt", ["text", "md", "csv", "json"])
def test_the_other_formats_keep_the_name_as_data(hostile, fmt):
    out = tables_as(hostile, fmt)
    if fmt == "json":
        assert json.loads(out)["table_10_2"]["FD"][0]["authority"] == NAME
    else:
        assert NAME.replace('"', '""' if fmt == "csv" else '"') in out


# --- a real HTTP site with hostile answers ---------------------------------------------------------

def many_pages(count: int) -> bytes:
    """A focused-visit letter on its first page, followed by thousands of pages."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for line_no, line in enumerate(["Focused visit to Testshire children's services",
                                    "This letter summarises the findings of the focused visit to Testshire "
                                    "children's services on 1 and 2 May 2024.",
                                    "Inspectors looked at the local authority's arrangements for care leavers.",
                                    "There are no priority actions following this focused visit."]):
        c.drawString(40, 800 - 16 * line_no, line)
    c.showPage()
    for number in range(2, count + 1):
        c.drawString(40, 800, f"Page {number}")
        c.showPage()
    c.save()
    return buf.getvalue()


def no_pages() -> bytes:
    """A well-formed PDF whose page tree holds no page at all (reportlab always writes one)."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[]/Count 0>>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@contextmanager
def hostile_server(files: dict[str, bytes], redirects: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """A site on 127.0.0.1: a search page, one provider page listing `files`, and behind /v1/file/ each file,
    a redirect, or (for "endless") a body that never ends and has no length."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body of an answer without a length runs to the end of the connection

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path.startswith("/search"):
                return self.answer(pdfs.search_page([("80001", "Testshire")]).encode(), "text/html")
            if self.path == "/provider/44/80001":
                listed = [(VISIT, date(2024, 6, 1 + n), fid) for n, fid in enumerate(sorted(files | redirects))]
                return self.answer(pdfs.provider_page("80001", "Testshire", listed, base).encode(), "text/html")
            fid = self.path.rsplit("/", 1)[-1]
            if fid in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[fid].replace("{port}", str(self.server.server_address[1])))
                self.end_headers()
                return None
            if files.get(fid) == b"endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(b"%PDF-1.4 " + b"x" * 65536)
                except OSError:  # the client hung up at its limit
                    return None
            return self.answer(files[fid], "application/pdf")

        def answer(self, body: bytes, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_in_thread(Handler) as url:
        yield url, seen


def test_a_poll_of_a_hostile_site_refuses_cuts_off_and_bounds_what_it_must(tmp_path):
    cap = 2_000_000
    files = {"1": many_pages(3000), "2": no_pages(), "3": b"endless",
             "4": pdfs.letter("Testshire", "8 and 9 May 2024", "children in care")}
    assert len(files["1"]) < cap
    # "localhost" is the same machine under another host name: following the redirect would be seen below
    redirects = {"5": "http://localhost:{port}/v1/file/4"}
    with hostile_server(files, redirects) as (base, seen):
        app = app_in(tmp_path, base, base)
        fetcher = HttpFetcher([base], timeout=5, tries=1, min_interval=0, max_bytes=cap)
        started = time.monotonic()
        report = bootstrap.poll(app, fetcher=fetcher)
        seconds = time.monotonic() - started
    assert report.ok, report.failures
    assert seconds < 15
    read = {r.data["file_id"]: r for r in app.store.read() if "file_id" in r.data}
    assert read["1"].type == "VisitPublished" and read["1"].data["topic"] == "CL"  # page 1 read, 2999 left
    assert read["4"].type == "VisitPublished"
    reasons = {fid: read[fid].data["reason"] for fid in ("2", "3", "5")}
    assert all(read[fid].type == "PublicationUnreadable" for fid in reasons)
    assert "no pages" in reasons["2"] or reasons["2"].startswith("broken PDF")  # pdfium will not open it
    assert f"cut off at the {cap} byte limit" in reasons["3"]
    assert "refused: link to another host" in reasons["5"] and "localhost" in reasons["5"]
    assert seen.count("/v1/file/4") == 1  # the redirect was never followed
    print(f"\nhostile site: 3000-page PDF, endless body cut at {cap} bytes, redirect refused: {seconds:.1f} s")


# --- a page whose markup changed ------------------------------------------------------------------

def provider_page_with(body: str) -> FakeFetcher:
    fetcher = FakeFetcher()
    fetcher.add(f"{SITE}/provider/44/80001",
                f"<html><body><h1 class='heading--title'>Testshire</h1>{body}</body></html>")
    return fetcher


@pytest.mark.parametrize("body", [
    # the documents moved to another address scheme
    '<ol class="timeline"><li class="timeline__day"><a class="publication-link" href="/documents/123.pdf">'
    "Children's services focused visit <span class='nonvisual'>Children's services focused visit, pdf - "
    "16 May 2024</span></a></li></ol>",
    # the timeline was renamed and its links with it
    '<ol class="history"><li><a href="https://files.example/download?id=123">Focused visit, 16 May 2024</a></li></ol>',
], ids=["links-changed", "timeline-renamed"])
def test_a_provider_page_whose_markup_changed_is_a_loud_error_not_nothing_new(body):
    site = OfstedSite(provider_page_with(body), SITE, FILES)
    with pytest.raises(PageChanged):
        site.provider_page("80001")


def test_a_provider_page_whose_markup_changed_fails_the_poll_for_that_provider(tmp_path):
    fetcher = hostile_site()
    fetcher.add(f"{SITE}/provider/44/80001", "<html><body><h1 class='heading--title'>Testshire</h1>"
                "<ol class='timeline'><li class='timeline__day'><a href='/documents/1.pdf'>Letter</a></li></ol>"
                "</body></html>")
    report = bootstrap.poll(app_in(tmp_path), fetcher=fetcher)
    assert not report.ok and "none links to /v1/file/" in report.failures[0]


@pytest.mark.parametrize("location", ["http://[broken", "https://evil.example/v1/file/1", "//evil.example/x"])
def test_a_redirect_anywhere_but_the_two_hosts_is_refused_without_a_request(location):
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": location})

    fetcher = HttpFetcher([SITE, FILES], min_interval=0, transport=httpx.MockTransport(answer))
    with pytest.raises(RefusedURL, match="refused"):
        fetcher.get(f"{FILES}/v1/file/1")
    assert asked == [f"{FILES}/v1/file/1"]
