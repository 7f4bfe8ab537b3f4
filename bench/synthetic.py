"""A synthetic event log with the real mix of types, written provider by provider as a backfill writes it.

Each provider has exactly 50 events: its AuthorityRecorded, 20 focused visits (2018-2026), 12 inspection
documents (2012-2026; SIF, ILACS, the 2026 framework and older documents that judge nothing) with a
GradeChanged beside each report that changes the grade, ~1% corrections and withdrawals of visits,
some unreadable documents and, to fill the 50, other publications (JTAI, SEND...). Seeded: the same
arguments give the same log.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from events.facts import Facts
from events.rules import grade_change
from events.store import NewEvent
from events.types import (
    AuthorityRecorded,
    InspectionPublished,
    PublicationNoted,
    PublicationUnreadable,
    VisitCorrected,
    VisitPublished,
    VisitWithdrawn,
)

EVENTS_PER_PROVIDER = 50
VISITS, INSPECTIONS = 20, 12
REGIONS = ("London", "South East", "South West", "East of England", "East Midlands", "West Midlands",
           "Yorkshire and the Humber", "North West", "North East")
# the seed page's mix of the six lasting topics; C-19 and PDMOC belong to their own periods
TOPIC_WEIGHTS = {"FD": 26, "CIN/CPP": 27, "VCEFR": 4, "CIC": 9, "PAP": 7, "CL": 14}
COVID = (date(2020, 9, 1), date(2021, 5, 31))
PDMOC_FROM = date(2024, 1, 1)
GRADE_WEIGHTS = {"Outstanding": 14, "Good": 45, "Requires improvement": 30, "Inadequate": 11}
JUDGEMENTS = ("The impact of leaders on social work practice with children and families",
              "The experiences and progress of children who need help and protection",
              "The experiences and progress of children in care", "The experiences and progress of care leavers")
NOTED_KINDS = ("jtai", "send", "review", "monitoring")
VISIT_LABEL, INSPECTION_LABEL = "Children's services focused visit", "Children's services inspection"
FIRST_VISIT, LAST_VISIT = date(2018, 1, 8), date(2026, 6, 30)
FIRST_DOC, LAST_DOC = date(2012, 6, 1), date(2026, 10, 30)
FIRST_URN = 900000


def events(total: int, seed: int = 1) -> Iterator[NewEvent]:
    """The first `total` events of the log, in log order."""
    left = total
    for index in range(-(-total // EVENTS_PER_PROVIDER)):
        history = provider_history(index, random.Random(seed * 1_000_003 + index))
        yield from history[:left]
        left -= len(history)


def batches(total: int, size: int = 1000, seed: int = 1) -> Iterator[list[NewEvent]]:
    """The log cut into batches of `size` events."""
    batch: list[NewEvent] = []
    for item in events(total, seed):
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def provider_history(index: int, rnd: random.Random) -> list[NewEvent]:
    """One provider's 50 events: documents oldest first (as the poller reads a page), corrections at the end."""
    urn, name = str(FIRST_URN + index), f"Authority {index}"
    files = (str(n) for n in range((FIRST_URN + index) * 100, (FIRST_URN + index + 1) * 100))
    opened = _day(rnd, date(2018, 4, 1), date(2024, 4, 1)) if rnd.random() < 0.04 else None
    closed = _day(rnd, date(2019, 4, 1), date(2026, 4, 1)) if rnd.random() < 0.02 else None
    authority = AuthorityRecorded(urn=urn, name=name, region=rnd.choice(REGIONS), opened=opened, closed=closed)
    visits = [_visit(rnd, urn, name, start, next(files)) for start in _days(rnd, VISITS, FIRST_VISIT, LAST_VISIT)]
    reports = [_inspection(rnd, urn, name, day, next(files)) for day in _days(rnd, INSPECTIONS, FIRST_DOC, LAST_DOC)]
    unreadable = [_unreadable(rnd, urn, name, next(files)) for _ in range(rnd.choice((0, 0, 0, 1, 1, 2)))]
    documents = [_document(v, [NewEvent(v, f"doc:{v.file_id}")]) for v in visits]
    documents += [_document(u, [NewEvent(u, f"unreadable:{u.file_id}:synthetic")]) for u in unreadable]
    documents += _with_grade_changes(reports)
    corrections = _corrections(rnd, visits)
    noted = EVENTS_PER_PROVIDER - 1 - sum(len(d[2]) for d in documents) - len(corrections)
    documents += [_document(n, [NewEvent(n, f"doc:{n.file_id}")])
                  for n in (_noted(rnd, urn, name, next(files)) for _ in range(noted))]
    documents.sort(key=lambda d: (d[0], d[1]))
    return [NewEvent(authority), *(e for d in documents for e in d[2]), *corrections]


Document = tuple[date, str, list[NewEvent]]


def _document(event: VisitPublished | InspectionPublished | PublicationNoted | PublicationUnreadable,
              recorded: list[NewEvent]) -> Document:
    return event.publication_date or FIRST_DOC, event.file_id or "", recorded


def _with_grade_changes(reports: list[InspectionPublished]) -> list[Document]:
    """Each report, with a GradeChanged when it changes the grade (as the poller reads them, oldest first)."""
    facts, out = Facts(), []
    for report in reports:
        recorded = [NewEvent(report, f"doc:{report.file_id}")]
        change = grade_change(facts, report)
        if change is not None:
            recorded.append(NewEvent(change, f"grade:{report.file_id}"))
        facts.apply_event(report)
        out.append(_document(report, recorded))
    return out


def _day(rnd: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rnd.randrange((last - first).days))


def _days(rnd: random.Random, n: int, first: date, last: date) -> list[date]:
    """n distinct weekdays between first and last."""
    weeks = rnd.sample(range((last - first).days // 7), n)
    return sorted(first + timedelta(weeks=w, days=rnd.randrange(5)) for w in weeks)


def _url(file_id: str) -> str:
    return f"https://files.ofsted.gov.uk/v1/file/{file_id}"


def _topic(rnd: random.Random, start: date) -> str:
    if COVID[0] <= start <= COVID[1] and rnd.random() < 0.8:
        return "C-19"
    if start >= PDMOC_FROM and rnd.random() < 0.02:
        return "PDMOC"
    return rnd.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]


def _visit(rnd: random.Random, urn: str, name: str, start: date, file_id: str) -> VisitPublished:
    end = start + timedelta(days=rnd.choice((1, 1, 2)))
    return VisitPublished(urn=urn, authority=name, publication_date=end + timedelta(days=rnd.randint(20, 45)),
                          visit_start=start, visit_end=end, topic=_topic(rnd, start),
                          priority_action=rnd.random() < 0.07, url=_url(file_id), file_id=file_id,
                          label=VISIT_LABEL, parser_version="1")


def _inspection(rnd: random.Random, urn: str, name: str, published: date, file_id: str) -> InspectionPublished:
    start = published - timedelta(days=rnd.randint(40, 70))
    grade: str | None = rnd.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
    if rnd.random() < 0.15:
        framework, grade = "other", None
    elif published >= date(2026, 7, 1):
        framework, grade = "ILACS-2026", None
    else:
        framework = "SIF" if published < date(2018, 1, 1) else "ILACS"
    judgements = {} if grade is None else {
        **{j: rnd.choice(list(GRADE_WEIGHTS)) for j in JUDGEMENTS}, "Overall effectiveness": grade}
    return InspectionPublished(urn=urn, authority=name, publication_date=published, inspection_start=start,
                               inspection_end=start + timedelta(days=11), framework=framework, overall=grade,
                               judgements=judgements, url=_url(file_id), file_id=file_id, label=INSPECTION_LABEL,
                               parser_version="1")


def _unreadable(rnd: random.Random, urn: str, name: str, file_id: str) -> PublicationUnreadable:
    return PublicationUnreadable(urn=urn, authority=name, publication_date=_day(rnd, FIRST_DOC, LAST_DOC),
                                 label=INSPECTION_LABEL, url=_url(file_id), file_id=file_id,
                                 reason="not a PDF: HTML page 'Report not found'")


def _noted(rnd: random.Random, urn: str, name: str, file_id: str) -> PublicationNoted:
    return PublicationNoted(urn=urn, authority=name, publication_date=_day(rnd, FIRST_DOC, LAST_DOC),
                            label="Joint area child protection inspection", url=_url(file_id), file_id=file_id,
                            kind=rnd.choice(NOTED_KINDS))


def _corrections(rnd: random.Random, visits: list[VisitPublished]) -> list[NewEvent]:
    """An analyst's corrections to about 2.5% of visits (1% of the log), and a rarer withdrawal."""
    out: list[NewEvent] = []
    for v in visits:
        roll = rnd.random()
        if roll < 0.022:
            out.append(NewEvent(VisitCorrected(urn=v.urn, visit_start=v.visit_start,
                                               changes={"topic": rnd.choice(list(TOPIC_WEIGHTS))},
                                               reason="topic misread")))
        elif roll < 0.025:
            out.append(NewEvent(VisitWithdrawn(urn=v.urn, visit_start=v.visit_start, reason="not a focused visit")))
    return out[:2]
