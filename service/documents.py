"""Reading a published document: PDF bytes to plain text, naming every way it can fail."""

import re
import threading

import pypdfium2 as pdfium

from events.errors import UnreadableDocument

# Letters run to 7 pages and judgements sit in a report's first pages; the cap bounds the work
# (and memory) for a document with thousands of pages.
MAX_PAGES = 10

# pdfium marks a hyphen at a line break as U+FFFE; symbol-font bullets come out in the private-use area.
_PDFIUM_HYPHEN = "\ufffe"
_SYMBOL_BULLET = re.compile("[\uf000-\uf0ff]")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# pdfium is not thread-safe; the service may read documents from more than one thread
_PDFIUM = threading.Lock()


def pdf_text(data: bytes, max_pages: int = MAX_PAGES) -> str:
    """The text of the first `max_pages` pages, pages separated by form feeds; raises UnreadableDocument."""
    _check_is_pdf(data)
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise UnreadableDocument(f"broken PDF: {error}") from error
        try:
            pages = [_page_text(document, index) for index in range(min(len(document), max_pages))]
        finally:
            document.close()
    if not pages:
        raise UnreadableDocument("PDF has no pages")
    text = "\f".join(pages)
    if not text.strip():
        raise UnreadableDocument(f"PDF has no text ({len(pages)} pages read; a scan?)")
    return text


def _check_is_pdf(data: bytes) -> None:
    """Raise UnreadableDocument unless `data` looks like a PDF (the header may follow some junk)."""
    if not data.strip():
        raise UnreadableDocument(f"empty document ({len(data)} bytes)")
    if b"%PDF-" in data[:1024]:
        return
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        raise UnreadableDocument(f"not a PDF: HTML page '{_html_title(data)}'")
    raise UnreadableDocument(f"not a PDF: starts with {data[:16]!r}")


def _html_title(data: bytes) -> str:
    """The page's title up to the first ' - ' (the site appends its own name), or '(untitled)'."""
    match = _TITLE.search(data[:20000])
    if not match:
        return "(untitled)"
    title = " ".join(match.group(1).decode("utf-8", "replace").split())
    return title.split(" - ")[0] or "(untitled)"


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    """One page's text with line ends, pdfium hyphens and symbol bullets made plain."""
    try:
        page = document[index]
    except pdfium.PdfiumError as error:  # a page object the file lists but does not hold
        raise UnreadableDocument(f"broken PDF: page {index + 1}: {error}") from error
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    except pdfium.PdfiumError as error:
        raise UnreadableDocument(f"broken PDF: page {index + 1}: {error}") from error
    finally:
        page.close()
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace(_PDFIUM_HYPHEN, "-")
    return _SYMBOL_BULLET.sub("•", text)
