"""The focus-visit tables of the SESLIP page (SPEC section 4), computed from the facts as at a date."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from events.facts import Facts, Visit
from events.vocabulary import GRADES, INADEQUATE, SHARE_GRADES, TOPICS

TOTAL = "Total"
SINCE = date(2018, 1, 1)  # the first focused visit was in January 2018
LAST_N = 5


def percent(part: int, whole: int) -> int:
    """An integer percentage, rounded half up (24 of 112 is 21%)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def percent_1dp(part: int, whole: int) -> float:
    """A percentage to one decimal place, rounded half up."""
    if not whole:
        return 0.0
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def counted_visits(facts: Facts, as_at: date) -> list[Visit]:
    """The visits published on or before as_at."""
    return [v for v in facts.visits.values() if v.publication_date <= as_at]


def _grid(rows: list[str]) -> dict[str, dict[str, int]]:
    return {row: dict.fromkeys([*TOPICS, TOTAL], 0) for row in [*rows, TOTAL]}


def _count(grid: dict[str, dict[str, int]], row: str, topic: str) -> None:
    for r in (row, TOTAL):
        grid[r][topic] += 1
        grid[r][TOTAL] += 1


def table_10_1(facts: Facts, visits: list[Visit]) -> dict[str, Any]:
    """Visits by grade at the time of the visit x topic: counts, and each row as percentages."""
    counts = _grid(list(GRADES))
    for v in visits:
        _count(counts, facts.grade_on(v.urn, v.visit_start), v.topic)
    pct = {row: {col: percent(n, cols[TOTAL]) for col, n in cols.items()} for row, cols in counts.items()}
    return {"counts": counts, "percent": pct}


def table_10_2(facts: Facts, visits: list[Visit]) -> dict[str, list[dict[str, Any]]]:
    """The last five reports of each topic, newest publication first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for topic in TOPICS:
        of_topic = [v for v in visits if v.topic == topic]
        of_topic.sort(key=lambda v: facts.name_of(v.urn, v.authority))
        of_topic.sort(key=lambda v: (v.publication_date, v.visit_start), reverse=True)
        out[topic] = [{"authority": facts.name_of(v.urn, v.authority), "urn": v.urn,
                       "visit_start": v.visit_start.isoformat(), "visit_end": v.visit_end.isoformat(),
                       "publication_date": v.publication_date.isoformat(),
                       "grade": facts.grade_on(v.urn, v.visit_start), "priority_action": v.priority_action,
                       "url": v.url} for v in of_topic[:LAST_N]]
    return out


def table_10_3(visits: list[Visit]) -> dict[str, dict[str, int]]:
    """Visits by calendar year of the first day x topic, every year from the first to the last."""
    years = sorted({v.visit_start.year for v in visits})
    rows = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    grid = _grid(rows)
    for v in visits:
        _count(grid, str(v.visit_start.year), v.topic)
    return grid


def table_10_4(facts: Facts, visits: list[Visit], as_at: date) -> dict[str, Any]:
    """Authorities by number of visits, those with none yet, and the grade shares."""
    per_authority = Counter(v.urn for v in visits)
    counted = {urn for urn, a in facts.authorities.items() if a.open_on(as_at)} | set(per_authority)
    most = max((per_authority[u] for u in counted), default=0)
    exactly = Counter(per_authority[u] for u in counted)
    no_visit = sorted(facts.authorities[u].name for u in counted
                      if not per_authority[u] and u in facts.authorities)
    return {
        "exactly": {str(n): exactly[n] for n in range(most + 1)},
        "at_least": {str(n): sum(exactly[m] for m in range(n, most + 1)) for n in range(1, most + 1)},
        "no_visit_yet": no_visit,
        "grade_share": grade_share(facts, visits, as_at),
    }


def authority_days(facts: Facts, as_at: date) -> Counter[str]:
    """Days each authority was open from 2018-01-01 to as_at, by the grade in force that day."""
    days: Counter[str] = Counter()
    end = as_at + timedelta(days=1)
    for urn, authority in facts.authorities.items():
        start = max(SINCE, authority.opened or SINCE)
        stop = min(end, authority.closed or end)
        if start < stop:
            _add_days(days, facts, urn, start, stop)
    return days


def _add_days(days: Counter[str], facts: Facts, urn: str, start: date, stop: date) -> None:
    grade, cursor = facts.grade_on(urn, start), start
    history = facts.grades.get(urn)
    for published, new in zip(history.dates, history.grades, strict=True) if history else ():
        if published <= start:
            continue
        if published >= stop:
            break
        days[grade] += (published - cursor).days
        grade, cursor = new, published
    days[grade] += (stop - cursor).days


def grade_share(facts: Facts, visits: list[Visit], as_at: date) -> dict[str, dict[str, int]]:
    """Shares of authority-days and of visits at each grade, over the four grades compared (not Inadequate)."""
    days = authority_days(facts, as_at)
    at_visit = Counter(facts.grade_on(v.urn, v.visit_start) for v in visits)
    day_total = sum(days[g] for g in SHARE_GRADES)
    visit_total = sum(at_visit[g] for g in SHARE_GRADES)
    return {g: {"authority_days_percent": percent(days[g], day_total),
                "visits_percent": percent(at_visit[g], visit_total)} for g in SHARE_GRADES}


def notes(facts: Facts, visits: list[Visit]) -> dict[str, Any]:
    """Priority actions, the PDMOC visits and the Covid visits."""
    priority = sum(v.priority_action for v in visits)
    pdmoc = sorted((v for v in visits if v.topic == "PDMOC"), key=lambda v: (v.visit_start, v.authority))
    covid = [v for v in visits if v.topic == "C-19"]
    return {
        "priority_actions": priority,
        "priority_actions_percent": percent_1dp(priority, len(visits)),
        "pdmoc": [{"authority": facts.name_of(v.urn, v.authority), "visit_start": v.visit_start.isoformat()}
                  for v in pdmoc],
        "covid_visits": len(covid),
        "covid_visits_to_inadequate": sum(facts.grade_on(v.urn, v.visit_start) == INADEQUATE for v in covid),
    }


def tables(facts: Facts, as_at: date) -> dict[str, Any]:
    """Every table as at a date, in the shape of SPEC section 5 (without the dates, added by the caller)."""
    visits = counted_visits(facts, as_at)
    return {
        "table_10_1": table_10_1(facts, visits),
        "table_10_2": table_10_2(facts, visits),
        "table_10_3": table_10_3(visits),
        "table_10_4": table_10_4(facts, visits, as_at),
        "notes": notes(facts, visits),
    }
