"""Rules that turn newly recorded events into publications worth an alert, and match them to subscribers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from events.facts import Facts, judgement_grade
from events.store import stream_rows
from events.types import REPORT_TYPES, Recorded, authority_stream
from events.vocabulary import ALERT_KINDS
from notifiers.subscribers import Subscriber

PUBLISHED = REPORT_TYPES


@dataclass(frozen=True)
class Publication:
    """A new visit letter or report: every alert kind it is, and what an email says about it."""

    key: str
    urn: str
    region: str | None
    kinds: tuple[str, ...]
    facts: dict[str, Any]


def publication_key(record: Recorded) -> str:
    """One key per publication: its document, or its place in the log when it has none."""
    file_id = record.data.get("file_id")
    return f"file:{file_id}" if file_id else f"event:{record.position}"


def authority_facts(conn: Connection, urn: str) -> Facts:
    """The fold of one authority's stream, read in the caller's transaction (so it sees the new events)."""
    facts = Facts()
    facts.apply_rows(stream_rows(conn, authority_stream(urn)))
    return facts


def publications(conn: Connection, recorded: list[Recorded]) -> list[Publication]:
    """The publications among the events of one append, a grade change joined to the report that made it."""
    changes = {r.data.get("file_id") or (r.data["urn"], r.data["effective_date"]): r.data
               for r in recorded if r.type == "GradeChanged"}
    cache: dict[str, Facts] = {}
    out = []
    for record in recorded:
        if record.type not in PUBLISHED:
            continue
        urn = record.data["urn"]
        if urn not in cache:
            cache[urn] = authority_facts(conn, urn)
        facts = cache[urn]
        if record.type == "VisitPublished":
            out.append(_visit(record, facts))
        else:
            change = changes.get(record.data.get("file_id") or (urn, record.data["publication_date"]))
            out.append(_report(record, facts, change))
    return out


def _common(record: Recorded, facts: Facts) -> dict[str, Any]:
    d = record.data
    authority = facts.authorities.get(d["urn"])
    return {"urn": d["urn"], "authority": facts.name_of(d["urn"], d["authority"]),
            "region": authority.region if authority else None, "publication_date": d["publication_date"],
            "url": d.get("url"), "position": record.position}


def _visit(record: Recorded, facts: Facts) -> Publication:
    d = record.data
    kinds = ["new-report"]
    if d["priority_action"]:
        kinds.append("priority-action")
    if d["topic"] == "PDMOC":
        kinds.append("pdmoc")
    shown = {**_common(record, facts), "type": "visit", "topic": d["topic"], "visit_start": d["visit_start"],
             "visit_end": d["visit_end"], "priority_action": bool(d["priority_action"]),
             "grade": facts.grade_on(d["urn"], date.fromisoformat(d["visit_start"]))}
    return Publication(publication_key(record), d["urn"], shown["region"], tuple(kinds), shown)


def _report(record: Recorded, facts: Facts, change: dict[str, Any] | None) -> Publication:
    d = record.data
    shown = {**_common(record, facts), "type": "report", "framework": d["framework"],
             "inspection_start": d.get("inspection_start"), "inspection_end": d.get("inspection_end"),
             "grade": judgement_grade(d["framework"], d.get("overall")),
             "previous": change["previous"] if change else None, "grade_changed": change is not None}
    kinds = ("new-report", "grade-changed") if change else ("new-report",)
    return Publication(publication_key(record), d["urn"], shown["region"], kinds, shown)


def matched_kinds(subscriber: Subscriber, publication: Publication) -> tuple[str, ...]:
    """The kinds of a publication a subscriber asked for (none when it is outside their authorities)."""
    if not subscriber.covers(publication.urn, publication.region):
        return ()
    return tuple(k for k in ALERT_KINDS if k in subscriber.kinds and k in publication.kinds)
