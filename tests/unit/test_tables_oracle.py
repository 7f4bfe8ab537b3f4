"""The tables from the index agree with the tables worked out visit by visit, as SPEC section 4 words them."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events.facts import Facts
from events.store import MemoryEventStore, NewEvent
from events.tables import LAST_N, SINCE, TOTAL, authority_days, percent, percent_1dp, tables
from events.types import VisitCorrected, VisitWithdrawn
from events.vocabulary import GRADES, INADEQUATE, SHARE_GRADES, TOPICS
from tests.builders import authority, report, visit


def oracle(facts: Facts, as_at: date) -> dict[str, Any]:
    """Every table, going over every visit and every authority-day: slow and plain."""
    visits = [v for v in facts.visits.values() if v.publication_date <= as_at]
    grade = {id(v): facts.grade_on(v.urn, v.visit_start) for v in visits}

    def grid(rows: list[str]) -> dict[str, dict[str, int]]:
        return {row: dict.fromkeys([*TOPICS, TOTAL], 0) for row in [*rows, TOTAL]}

    def count(g: dict[str, dict[str, int]], row: str, topic: str) -> None:
        for r in (row, TOTAL):
            g[r][topic] += 1
            g[r][TOTAL] += 1

    by_grade = grid(list(GRADES))
    for v in visits:
        count(by_grade, grade[id(v)], v.topic)
    latest = {}
    for topic in TOPICS:
        of_topic = sorted((v for v in visits if v.topic == topic), key=lambda v: facts.name_of(v.urn, v.authority))
        of_topic.sort(key=lambda v: (v.publication_date, v.visit_start), reverse=True)
        latest[topic] = [{"authority": facts.name_of(v.urn, v.authority), "urn": v.urn,
                          "visit_start": v.visit_start.isoformat(), "visit_end": v.visit_end.isoformat(),
                          "publication_date": v.publication_date.isoformat(), "grade": grade[id(v)],
                          "priority_action": v.priority_action, "url": v.url} for v in of_topic[:LAST_N]]
    years = sorted({v.visit_start.year for v in visits})
    by_year = grid([str(y) for y in range(years[0], years[-1] + 1)] if years else [])
    for v in visits:
        count(by_year, str(v.visit_start.year), v.topic)
    per_authority = Counter(v.urn for v in visits)
    counted = {urn for urn, a in facts.authorities.items() if a.open_on(as_at)} | set(per_authority)
    most = max((per_authority[u] for u in counted), default=0)
    exactly = Counter(per_authority[u] for u in counted)
    days = oracle_days(facts, as_at)
    at_visit = Counter(grade[id(v)] for v in visits)
    day_total, visit_total = sum(days[g] for g in SHARE_GRADES), sum(at_visit[g] for g in SHARE_GRADES)
    priority = sum(v.priority_action for v in visits)
    covid = [v for v in visits if v.topic == "C-19"]
    return {
        "table_10_1": {"counts": by_grade, "percent": {row: {col: percent(n, cols[TOTAL]) for col, n in cols.items()}
                                                       for row, cols in by_grade.items()}},
        "table_10_2": latest,
        "table_10_3": by_year,
        "table_10_4": {
            "exactly": {str(n): exactly[n] for n in range(most + 1)},
            "at_least": {str(n): sum(exactly[m] for m in range(n, most + 1)) for n in range(1, most + 1)},
            "no_visit_yet": sorted(facts.authorities[u].name for u in counted
                                   if not per_authority[u] and u in facts.authorities),
            "grade_share": {g: {"authority_days_percent": percent(days[g], day_total),
                                "visits_percent": percent(at_visit[g], visit_total)} for g in SHARE_GRADES}},
        "notes": {
            "priority_actions": priority, "priority_actions_percent": percent_1dp(priority, len(visits)),
            "pdmoc": [{"authority": facts.name_of(v.urn, v.authority), "visit_start": v.visit_start.isoformat()}
                      for v in sorted((v for v in visits if v.topic == "PDMOC"),
                                      key=lambda v: (v.visit_start, v.authority))],
            "covid_visits": len(covid),
            "covid_visits_to_inadequate": sum(grade[id(v)] == INADEQUATE for v in covid)},
    }


def oracle_days(facts: Facts, as_at: date) -> Counter[str]:
    """Each day from 2018-01-01 to as_at that each authority was open, counted at the grade in force that day."""
    days: Counter[str] = Counter()
    for urn, a in facts.authorities.items():
        day = max(SINCE, a.opened or SINCE)
        while day <= as_at and a.open_on(day):
            days[facts.grade_on(urn, day)] += 1
            day += timedelta(days=1)
    return days


DAYS = st.integers(0, 6 * 365).map(lambda n: date(2016, 6, 1) + timedelta(days=n))
URNS = st.sampled_from(["1", "2", "3", "4"])
AUTHORITIES = st.builds(authority, URNS, st.sampled_from(["Ash", "Bury", "Cork"]), st.none() | DAYS, st.none() | DAYS)
VISITS = st.builds(visit, URNS, DAYS, st.sampled_from(["FD", "CL", "PDMOC", "C-19"]),
                   st.none() | DAYS, st.booleans(), st.sampled_from([None, "Doc name"]))
REPORTS = st.builds(report, URNS, DAYS | st.just(date(2019, 5, 6)),
                    st.sampled_from(["Good", "Outstanding", "Requires improvement", "Inadequate", None]),
                    st.sampled_from(["ILACS", "SIF", "ILACS-2026", "other"]))


@st.composite
def histories(draw: st.DrawFn) -> list[Any]:
    events = draw(st.lists(st.one_of(AUTHORITIES, VISITS, REPORTS), max_size=30))
    stated = [e for e in events if e.TYPE == "VisitPublished"]
    for v in draw(st.lists(st.sampled_from(stated), max_size=3)) if stated else []:
        events.append(draw(st.sampled_from([
            VisitCorrected(urn=v.urn, visit_start=v.visit_start, changes={"topic": "CL", "priority_action": True}),
            VisitCorrected(urn=v.urn, visit_start=v.visit_start,
                           changes={"publication_date": (v.publication_date + timedelta(days=90)).isoformat()}),
            VisitWithdrawn(urn=v.urn, visit_start=v.visit_start, reason="not a visit")])))
    return events


@settings(max_examples=150, deadline=None)
@given(histories(), histories(), st.lists(DAYS, min_size=1, max_size=4))
def test_the_tables_agree_with_the_plain_working_before_and_after_more_events(first, then, days):
    store = MemoryEventStore(lambda: datetime(2024, 1, 1, tzinfo=UTC))
    store.append([NewEvent(e) for e in first])
    facts = Facts()
    facts.apply_rows(store.read_rows())
    for day in days:
        assert tables(facts, day) == oracle(facts, day)
        assert authority_days(facts, day) == +oracle_days(facts, day)
    store.append([NewEvent(e) for e in then])
    facts.apply_rows(store.read_rows(after=facts.position))
    for day in days:
        assert tables(facts, day) == oracle(facts, day)
