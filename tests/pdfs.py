"""Small PDFs and Ofsted-like pages of the tests' own (no corpus document is copied)."""
from __future__ import annotations

import html
import io
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf(*lines: str, pages: int = 1) -> bytes:
    """A PDF with these lines of text on each page."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for _ in range(pages):
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


def letter(authority: str, dates: str, topic_sentence: str, priority: bool = False) -> bytes:
    """A focused-visit letter."""
    lines = [f"Focused visit to {authority} children's services",
             f"This letter summarises the findings of the focused visit to {authority} children's services",
             f"on {dates}.",
             f"Inspectors looked at the local authority's arrangements for {topic_sentence}.",
             "Headline findings", "Children are seen and helped."]
    if priority:
        lines += ["Areas for priority action", "The local authority must act at once to protect children."]
    else:
        lines += ["There are no priority actions following this focused visit."]
    return pdf(*lines)


def report(authority: str, overall: str) -> bytes:
    """An ILACS judgement report's first page."""
    return pdf(f"{authority}", "Inspection of children's social care services",
               "Inspection dates: 9 to 20 October 2023", "Lead inspector: A Person",
               "Judgement Grade", f"The impact of leaders on social work practice with children and families {overall}",
               f"The experiences and progress of children who need help and protection {overall}",
               f"The experiences and progress of children in care {overall}",
               f"The experiences and progress of care leavers {overall}",
               f"Overall effectiveness {overall}")


def provider_page(urn: str, name: str, pubs: list[tuple[str, date, str]], files: str, opened: str = "") -> str:
    """A provider page as the site shows one: (label, publication date, file id) newest first."""
    items = "".join(
        f'<li class="timeline__day"><a class="publication-link" href="{files}/v1/file/{fid}">{html.escape(label)}'
        f' <span class="nonvisual">{html.escape(label)}, pdf - {d.day} {d:%B %Y}</span></a></li>'
        for label, d, fid in pubs)
    when = date.fromisoformat(opened) if opened else None
    opened_item = (f'<li class="timeline__day timeline__day--opened"><p>Opened <time datetime="{opened}">'
                   f"{when.day} {when:%B %Y}</time></p></li>" if when else "")
    return (f'<html><body><h1 class="heading--title">{html.escape(name)}</h1><ol class="timeline">{items}'
            f"{opened_item}</ol></body></html>")


def search_page(providers: list[tuple[str, str]]) -> str:
    """One search page listing (urn, name)."""
    items = "".join(f'<li><h3><a href="/provider/44/{urn}">{html.escape(name)}</a></h3></li>'
                    for urn, name in providers)
    return f'<html><body><ul class="results-list">{items}</ul></body></html>'
