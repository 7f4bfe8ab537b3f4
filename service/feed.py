"""The Atom feed of new publications (focused-visit letters and judgement reports), newest first."""
from __future__ import annotations

import heapq
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime

from events.types import REPORT_TYPES, Recorded, iso_utc
from events.vocabulary import TOPICS

ATOM = "http://www.w3.org/2005/Atom"
FEED_TYPES = REPORT_TYPES
ENTRIES = 50
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CREDIT = "Contains public sector information licensed under the Open Government Licence v3.0."


def _title(record: Recorded) -> str:
    d = record.data
    if record.type == "VisitPublished":
        flag = ", with a priority action" if d.get("priority_action") else ""
        return f"{d['authority']}: focused visit, {TOPICS.get(d['topic'], d['topic'])} ({d['topic']}){flag}"
    grade = d.get("overall") or "no overall grade"
    return f"{d['authority']}: inspection report ({d['framework']}), {grade}"


def _summary(record: Recorded) -> str:
    d = record.data
    if record.type == "VisitPublished":
        dates = f"Visited {d['visit_start']} to {d['visit_end']}"
        action = "priority action: yes" if d.get("priority_action") else "priority action: no"
        return f"{dates}; published {d['publication_date']}; {action}. {CREDIT}"
    dates = f"Inspected {d.get('inspection_start') or '?'} to {d.get('inspection_end') or '?'}"
    return f"{dates}; published {d['publication_date']}; overall: {d.get('overall') or 'none'}. {CREDIT}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(records: Iterable[Recorded], public_url: str, now: datetime) -> bytes:
    """The feed document: the latest publications by publication date, then by when they were learned."""
    newest = heapq.nlargest(ENTRIES, (r for r in records if r.type in FEED_TYPES),
                            key=lambda r: (r.data["publication_date"], r.position))
    base = public_url.rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", f"{base}/feed.atom")
    _sub(feed, "title", "ILACS: new Ofsted publications for children's services")
    _sub(feed, "updated", iso_utc(max((r.recorded_at for r in newest), default=now)))
    _sub(feed, "link", rel="self", href=f"{base}/feed.atom")
    _sub(feed, "link", rel="alternate", href=f"{base}/")
    _sub(_sub(feed, "author"), "name", "ilacs")
    _sub(feed, "rights", f"{CREDIT} {OGL}")
    for record in newest:
        d = record.data
        entry = _sub(feed, "entry")
        # stable across rebuilds of the log when the document has an id; its position otherwise
        _sub(entry, "id", f"urn:ilacs:publication:{d['file_id']}" if d.get("file_id")
             else f"urn:ilacs:event:{record.position}")
        _sub(entry, "title", _title(record))
        _sub(entry, "published", f"{d['publication_date']}T00:00:00Z")
        _sub(entry, "updated", iso_utc(record.recorded_at))
        if d.get("url"):
            _sub(entry, "link", rel="alternate", href=d["url"])
        _sub(entry, "category", term=d.get("topic") or d.get("framework") or "")
        _sub(entry, "summary", _summary(record))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
