"""Rules that derive events from events: a grade change accompanies the report that made it."""
from __future__ import annotations

from datetime import timedelta

from events.facts import Facts, judgement_grade
from events.types import GradeChanged, InspectionPublished


def grade_change(facts: Facts, report: InspectionPublished) -> GradeChanged | None:
    """A GradeChanged when the report's grade differs from the one in force the day before it."""
    new = judgement_grade(report.framework, report.overall)
    if new is None:
        return None
    previous = facts.grade_on(report.urn, report.publication_date - timedelta(days=1))
    if previous == new:
        return None
    return GradeChanged(urn=report.urn, authority=report.authority, effective_date=report.publication_date,
                        previous=previous, new=new, file_id=report.file_id)
