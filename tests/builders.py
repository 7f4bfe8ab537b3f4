"""Small builders of events for tests."""
from __future__ import annotations

from datetime import date, timedelta

from events.types import AuthorityRecorded, InspectionPublished, VisitPublished


def authority(urn: str, name: str | None = None, opened: date | None = None, closed: date | None = None,
              region: str | None = "London") -> AuthorityRecorded:
    return AuthorityRecorded(urn=urn, name=name or f"LA {urn}", region=region, opened=opened, closed=closed)


def visit(urn: str, start: date, topic: str = "FD", published: date | None = None, priority: bool = False,
          name: str | None = None, file_id: str | None = None, days: int = 1) -> VisitPublished:
    end = start + timedelta(days=days)
    return VisitPublished(urn=urn, authority=name or f"LA {urn}",
                          publication_date=published or end + timedelta(days=30),
                          visit_start=start, visit_end=end, topic=topic, priority_action=priority,
                          url=f"https://files.ofsted.gov.uk/v1/file/{file_id}" if file_id else None, file_id=file_id)


def report(urn: str, published: date, overall: str | None, framework: str = "ILACS",
           name: str | None = None) -> InspectionPublished:
    return InspectionPublished(urn=urn, authority=name or f"LA {urn}", publication_date=published,
                               inspection_start=None, inspection_end=None, framework=framework, overall=overall)
