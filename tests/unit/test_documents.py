"""PDF bytes to text, on small PDFs the tests make, and every fault a listed document can have."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from events.errors import UnreadableDocument
from service.documents import MAX_PAGES, pdf_text
from tests.pdfs import pdf

NOT_FOUND_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Report not found - Find an Inspection Report - Ofsted</title>
</head>
<body><h1>Report not found</h1></body>
</html>
"""


def numbered_pages(count: int) -> bytes:
    """A PDF whose page n says "Page n"."""
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for number in range(1, count + 1):
        page.drawString(40, 800, f"Page {number}")
        page.showPage()
    page.save()
    return buf.getvalue()


def drawing_only() -> bytes:
    """A PDF with a rectangle and no text, as a scan without OCR would be."""
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=1)
    page.rect(40, 40, 200, 200, fill=1)
    page.showPage()
    page.save()
    return buf.getvalue()


def test_reads_the_text_of_a_pdf() -> None:
    text = pdf_text(pdf("Focused visit to Dudley children's services", "Inspectors looked at the front door."))
    assert "Focused visit to Dudley children's services" in text
    assert "Inspectors looked at the front door." in text


def test_pages_come_in_order_separated_by_form_feeds() -> None:
    pages = pdf_text(numbered_pages(3)).split("\f")
    assert [page.strip() for page in pages] == ["Page 1", "Page 2", "Page 3"]


def test_line_ends_are_plain_newlines() -> None:
    text = pdf_text(pdf("first line", "second line"))
    assert "\r" not in text
    assert "first line\nsecond line" in text


def test_a_pdf_of_thousands_of_pages_is_read_only_to_the_cap() -> None:
    text = pdf_text(numbered_pages(2000))
    assert text.count("\f") == MAX_PAGES - 1
    assert f"Page {MAX_PAGES}" in text
    assert f"Page {MAX_PAGES + 1}" not in text


def test_the_cap_can_be_set_per_call() -> None:
    assert pdf_text(numbered_pages(5), max_pages=2).split() == ["Page", "1", "Page", "2"]


def test_an_html_page_served_as_a_pdf_is_named_by_its_title() -> None:
    with pytest.raises(UnreadableDocument, match=r"not a PDF: HTML page 'Report not found'"):
        pdf_text(NOT_FOUND_PAGE)


def test_an_html_page_without_a_title() -> None:
    with pytest.raises(UnreadableDocument, match=r"not a PDF: HTML page '\(untitled\)'"):
        pdf_text(b"\n\n<html><body>Service unavailable</body></html>")


@pytest.mark.parametrize("data", [b"", b" \r\n\t "])
def test_empty_bytes(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="empty document"):
        pdf_text(data)


def test_bytes_of_another_kind() -> None:
    with pytest.raises(UnreadableDocument, match=r"not a PDF: starts with b'\\x89PNG"):
        pdf_text(b"\x89PNG\r\n\x1a\n" + bytes(200))


def test_a_truncated_pdf() -> None:
    data = pdf("Focused visit to Dudley children's services", pages=3)
    with pytest.raises(UnreadableDocument, match="broken PDF"):
        pdf_text(data[: len(data) // 2])


def test_a_pdf_header_and_nothing_else() -> None:
    with pytest.raises(UnreadableDocument, match="broken PDF"):
        pdf_text(b"%PDF-1.7\n")


def test_a_pdf_with_no_text() -> None:
    with pytest.raises(UnreadableDocument, match="PDF has no text"):
        pdf_text(drawing_only())
