"""The analyst's events: visits recorded, corrected and withdrawn by hand, and bulk imports from CSV."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from events.errors import InvalidInput
from events.projection import Projection, folded
from events.rules import grade_change
from events.store import EventStore, NewEvent
from events.types import AuthorityRecorded, InspectionPublished, VisitCorrected, VisitRecorded, VisitWithdrawn
from events.vocabulary import FRAMEWORKS, OVERALL_GRADES, TOPICS, parse_urn


def parse_date(value: str, what: str = "date") -> date:
    """An ISO YYYY-MM-DD date, or a clear error naming it."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError as err:
        raise InvalidInput(f"{what} {value!r} is not a date (YYYY-MM-DD)") from err


def parse_instant(value: str, what: str = "known_at") -> datetime:
    """An ISO date-time (UTC unless it says otherwise); a bare date means the end of that day."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise InvalidInput(f"{what} {value!r} is not a date or date-time (ISO 8601)") from err
    if len(value.strip()) == 10:
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError as err:  # 0001-01-01T00:00+01:00 is before the first instant there is in UTC
        raise InvalidInput(f"{what} {value!r} is out of range") from err


def parse_topic(value: str) -> str:
    """A topic key of SPEC section 1."""
    if value.strip() not in TOPICS:
        raise InvalidInput(f"unknown topic {value!r}: use one of {', '.join(TOPICS)}")
    return value.strip()


def parse_bool(value: str, what: str = "priority_action") -> bool:
    """`true` or `false`."""
    if value.strip().lower() not in ("true", "false"):
        raise InvalidInput(f"{what} {value!r} must be true or false")
    return value.strip().lower() == "true"


def parse_grade(value: str) -> str | None:
    """An overall grade key, or None for an empty cell."""
    if not value.strip():
        return None
    if value.strip() not in OVERALL_GRADES:
        raise InvalidInput(f"unknown grade {value!r}: use one of {', '.join(OVERALL_GRADES)} or leave it empty")
    return value.strip()


def _key(kind: str, row: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return f"{kind}:{digest}"


@dataclass
class Analyst:
    """What an analyst can state; each statement is a new event, never a rewrite."""

    store: EventStore
    projection: Projection

    def record_visit(self, visit: VisitRecorded) -> int:
        """Record a visit entered by hand; the same statement twice records nothing new."""
        if visit.visit_end < visit.visit_start:
            raise InvalidInput(f"visit_end {visit.visit_end} is before visit_start {visit.visit_start}")
        return len(self.store.append([NewEvent(visit, _key("visit", visit.data()))]))

    def correct_visit(self, urn: str, visit_start: date, changes: dict[str, Any], reason: str | None) -> int:
        """Correct fields of a known visit."""
        self._known(urn, visit_start)
        if not changes:
            raise InvalidInput("nothing to correct: give --topic, --priority-action, --visit-end or --publication-date")
        event = VisitCorrected(urn=urn, visit_start=visit_start, changes=changes, reason=reason)
        return len(self.store.append([NewEvent(event)]))

    def withdraw_visit(self, urn: str, visit_start: date, reason: str) -> int:
        """Withdraw a known visit."""
        self._known(urn, visit_start)
        return len(self.store.append([NewEvent(VisitWithdrawn(urn=urn, visit_start=visit_start, reason=reason))]))

    def _known(self, urn: str, visit_start: date) -> None:
        if (urn, visit_start) not in self.projection.facts().visits:
            raise InvalidInput(f"no visit to URN {urn} starting {visit_start} is recorded")

    def import_csv(self, kind: str, path: Path) -> int:
        """Import a spreadsheet of authorities, visits or inspections whole; a bad row stops it."""
        readers: dict[str, Callable[[dict[str, str]], AuthorityRecorded | VisitRecorded | InspectionPublished]] = {
            "authorities": _authority_row, "visits": _visit_row, "inspections": _inspection_row}
        events = [NewEvent(e, _key(f"import-{kind}", e.data())) for e in _rows(path, COLUMNS[kind], readers[kind])]
        if kind == "inspections":
            events = self._with_grade_changes(events)
        return len(self.store.append(events))

    def _with_grade_changes(self, events: list[NewEvent]) -> list[NewEvent]:
        facts = folded(self.store, ["InspectionPublished"])  # all a grade change needs
        out = []
        for item in sorted(events, key=lambda n: n.event.publication_date):  # type: ignore[attr-defined]
            out.append(item)
            assert isinstance(item.event, InspectionPublished)
            change = grade_change(facts, item.event)
            if change is not None:
                out.append(NewEvent(change, f"grade:{item.key}"))
            facts.apply_event(item.event)
        return out


COLUMNS = {
    "authorities": ("urn", "name", "region", "opened", "closed"),
    "visits": ("urn", "authority", "visit_start", "visit_end", "publication_date", "topic", "priority_action", "url"),
    "inspections": ("urn", "authority", "publication_date", "inspection_start", "inspection_end", "framework",
                    "overall", "url"),
}


def _rows(path: Path, columns: tuple[str, ...], read: Callable[[dict[str, str]], Any]) -> Iterator[Any]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(f"{path}: missing column {missing[0]!r} (need {','.join(columns)})")
            rows = list(reader)
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err.strerror}") from err
    except (csv.Error, UnicodeDecodeError) as err:
        raise InvalidInput(f"{path}: not a readable CSV file ({err})") from err
    out = []
    for number, row in enumerate(rows, start=2):
        try:
            out.append(read({k: (row.get(k) or "").strip() for k in columns}))
        except InvalidInput as err:
            raise InvalidInput(f"{path}, line {number}: {err}") from err
    return iter(out)


def _optional_date(value: str, what: str) -> date | None:
    return parse_date(value, what) if value else None


def _authority_row(r: dict[str, str]) -> AuthorityRecorded:
    if not r["name"]:
        raise InvalidInput("name is empty")
    return AuthorityRecorded(urn=parse_urn(r["urn"]), name=r["name"], region=r["region"] or None,
                             opened=_optional_date(r["opened"], "opened"),
                             closed=_optional_date(r["closed"], "closed"), source="import")


def _visit_row(r: dict[str, str]) -> VisitRecorded:
    start, end = parse_date(r["visit_start"], "visit_start"), parse_date(r["visit_end"], "visit_end")
    if end < start:
        raise InvalidInput(f"visit_end {end} is before visit_start {start}")
    return VisitRecorded(urn=parse_urn(r["urn"]), authority=r["authority"] or r["urn"],
                         publication_date=parse_date(r["publication_date"], "publication_date"),
                         visit_start=start, visit_end=end, topic=parse_topic(r["topic"]),
                         priority_action=parse_bool(r["priority_action"]), url=r["url"] or None, source="import")


def _inspection_row(r: dict[str, str]) -> InspectionPublished:
    framework = r["framework"]
    if framework not in FRAMEWORKS:
        raise InvalidInput(f"unknown framework {framework!r}: use one of {', '.join(FRAMEWORKS)}")
    overall = parse_grade(r["overall"])
    if framework in ("SIF", "ILACS") and overall is None:
        raise InvalidInput(f"a {framework} report needs an overall grade")
    return InspectionPublished(urn=parse_urn(r["urn"]), authority=r["authority"] or r["urn"],
                               publication_date=parse_date(r["publication_date"], "publication_date"),
                               inspection_start=_optional_date(r["inspection_start"], "inspection_start"),
                               inspection_end=_optional_date(r["inspection_end"], "inspection_end"),
                               framework=framework, overall=overall, url=r["url"] or None, source="import")
