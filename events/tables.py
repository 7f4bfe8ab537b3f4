"""The focus-visit tables of the SESLIP page (SPEC section 4), computed from the facts as at a date.

The tables are a pure function of the facts and as_at. What does not depend on as_at (each visit's grade at
the time of the visit, the visits in order of publication, the authority-days up to any day) is worked out
once per state of the facts (`TablesIndex`, kept in `Facts.derived`), so that a query for another date
bisects sorted lists instead of going over every visit.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from events.facts import Authority, Facts, Visit, collector_paused
from events.vocabulary import GRADES, INADEQUATE, SHARE_GRADES, TOPICS

TOTAL = "Total"
SINCE = date(2018, 1, 1)  # the first focused visit was in January 2018
LAST_N = 5
_first = itemgetter(0)

# a visit's grade at the time of the visit, the year of its first day, its topic, and whether it set priority actions
VisitKind = tuple[str, int, str, bool]
Counts = dict[VisitKind, int]


def percent(part: int, whole: int) -> int:
    """An integer percentage, rounded half up (24 of 112 is 21%)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def percent_1dp(part: int, whole: int) -> float:
    """A percentage to one decimal place, rounded half up."""
    if not whole:
        return 0.0
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class DayTotals:
    """How many days a set of spans [start, stop) covers before any day: a running total at each change."""

    def __init__(self, spans: Iterable[tuple[int, int | None]]) -> None:
        changes: Counter[int] = Counter()
        for start, stop in spans:  # day ordinals; stop None: not ended
            changes[start] += 1
            if stop is not None:
                changes[stop] -= 1
        self.days: list[int] = sorted(changes)
        self.totals: list[int] = []  # days covered before each day of change
        self.open: list[int] = []  # spans open from that day to the next change
        total = spans_open = 0
        for at, day in enumerate(self.days):
            total += spans_open * (day - self.days[at - 1]) if at else 0
            spans_open += changes[day]
            self.totals.append(total)
            self.open.append(spans_open)

    def before(self, end: int) -> int:
        """Days covered before the day `end` (an ordinal)."""
        at = bisect_right(self.days, end) - 1
        return self.totals[at] + self.open[at] * (end - self.days[at]) if at >= 0 else 0


class TablesIndex:
    """The facts arranged for queries as at any date: publication dates sorted, to bisect."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.published: dict[VisitKind, list[date]] = defaultdict(list)
        self.by_day: dict[date, list[Visit]] = defaultdict(list)  # by publication date, in the facts' order
        by_urn: dict[str, list[date]] = defaultdict(list)
        pdmoc: list[Visit] = []
        # in the facts' order, which is also the order of their objects in memory (each visit costs less that way)
        for v in facts.visits.values():
            kind = (facts.grade_on(v.urn, v.visit_start), v.visit_start.year, v.topic, v.priority_action)
            self.published[kind].append(v.publication_date)
            self.by_day[v.publication_date].append(v)
            by_urn[v.urn].append(v.publication_date)
            if v.topic == "PDMOC":
                pdmoc.append(v)
        topic_days: dict[str, set[date]] = defaultdict(set)
        for (_, _, topic, _), dates in self.published.items():
            dates.sort()
            topic_days[topic].update(dates)
        self.topic_days = {topic: sorted(days) for topic, days in topic_days.items()}
        self.pdmoc = sorted(pdmoc, key=lambda v: (v.visit_start, v.authority))
        per_urn = {urn: sorted(dates) for urn, dates in by_urn.items()}
        # [n - 1]: the days on which authorities' n-th visits were published, sorted
        self.nth_published = [sorted(dates[n] for dates in per_urn.values() if len(dates) > n)
                              for n in range(max(map(len, per_urn.values()), default=0))]
        # the authorities that may have no visit yet: those with none, and those with one from a day on, sorted
        self.never_visited = [a for urn, a in facts.authorities.items() if urn not in per_urn]
        self.first_visited = sorted(((per_urn[urn][0], a) for urn, a in facts.authorities.items() if urn in per_urn),
                                    key=_first)
        self.authority_days = {grade: DayTotals(spans) for grade, spans in _grade_spans(facts).items()}

    def counts(self, as_at: date) -> Counts:
        """The number of visits of each kind published on or before as_at (kinds with none left out)."""
        return {kind: n for kind, dates in self.published.items() if (n := bisect_right(dates, as_at))}

    def latest(self, topic: str, as_at: date) -> list[Visit]:
        """The visits of a topic published on or before as_at that can be among the last LAST_N: the last
        days' visits until there are LAST_N, in the facts' order within a day."""
        days = self.topic_days.get(topic, [])
        found: list[Visit] = []
        for day in reversed(days[:bisect_right(days, as_at)]):
            if len(found) >= LAST_N:
                break
            found[:0] = [v for v in self.by_day[day] if v.topic == topic]
        return found

    def without_visit(self, as_at: date) -> list[Authority]:
        """The authorities open on as_at with no visit published on or before it."""
        later = self.first_visited[bisect_right(self.first_visited, as_at, key=_first):]
        return [a for a in chain(self.never_visited, (a for _, a in later)) if a.open_on(as_at)]


def _grade_spans(facts: Facts) -> dict[str, list[tuple[int, int | None]]]:
    """Each grade's spans of days [start, stop) of open authorities from 2018-01-01, as day ordinals."""
    spans: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for urn, authority in facts.authorities.items():
        start, closed = max(SINCE, authority.opened or SINCE), authority.closed
        if closed is not None and closed <= start:
            continue
        grade, cursor = facts.grade_on(urn, start), start
        history = facts.grades.get(urn)
        for published, new in zip(history.dates, history.grades, strict=True) if history else ():
            if published <= start:
                continue
            if closed is not None and published >= closed:
                break
            spans[grade].append((cursor.toordinal(), published.toordinal()))
            grade, cursor = new, published
        spans[grade].append((cursor.toordinal(), closed.toordinal() if closed else None))
    return spans


def index_of(facts: Facts) -> TablesIndex:
    """The facts' index for the tables, made on the first query after they changed."""
    index = facts.derived.get("tables")
    if index is None:
        with collector_paused():
            index = facts.derived["tables"] = TablesIndex(facts)
    return index


def _grid(rows: list[str]) -> dict[str, dict[str, int]]:
    return {row: dict.fromkeys([*TOPICS, TOTAL], 0) for row in [*rows, TOTAL]}


def _count(grid: dict[str, dict[str, int]], row: str, topic: str, n: int) -> None:
    for r in (row, TOTAL):
        grid[r][topic] += n
        grid[r][TOTAL] += n


def table_10_1(counts: Counts) -> dict[str, Any]:
    """Visits by grade at the time of the visit x topic: counts, and each row as percentages."""
    grid = _grid(list(GRADES))
    for (grade, _, topic, _), n in counts.items():
        _count(grid, grade, topic, n)
    pct = {row: {col: percent(n, cols[TOTAL]) for col, n in cols.items()} for row, cols in grid.items()}
    return {"counts": grid, "percent": pct}


def table_10_2(index: TablesIndex, as_at: date) -> dict[str, list[dict[str, Any]]]:
    """The last five reports of each topic, newest publication first."""
    facts = index.facts
    out: dict[str, list[dict[str, Any]]] = {}
    for topic in TOPICS:
        of_topic = index.latest(topic, as_at)
        of_topic.sort(key=lambda v: facts.name_of(v.urn, v.authority))
        of_topic.sort(key=lambda v: (v.publication_date, v.visit_start), reverse=True)
        out[topic] = [{"authority": facts.name_of(v.urn, v.authority), "urn": v.urn,
                       "visit_start": v.visit_start.isoformat(), "visit_end": v.visit_end.isoformat(),
                       "publication_date": v.publication_date.isoformat(),
                       "grade": facts.grade_on(v.urn, v.visit_start), "priority_action": v.priority_action,
                       "url": v.url} for v in of_topic[:LAST_N]]
    return out


def table_10_3(counts: Counts) -> dict[str, dict[str, int]]:
    """Visits by calendar year of the first day x topic, every year from the first to the last."""
    years = sorted({year for _, year, _, _ in counts})
    rows = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    grid = _grid(rows)
    for (_, year, topic, _), n in counts.items():
        _count(grid, str(year), topic, n)
    return grid


def table_10_4(index: TablesIndex, counts: Counts, as_at: date) -> dict[str, Any]:
    """Authorities by number of visits, those with none yet, and the grade shares."""
    without = index.without_visit(as_at)
    # [n]: authorities with at least n visits
    at_least = [len(without), *(n for dates in index.nth_published if (n := bisect_right(dates, as_at)))]
    exactly = [n - m for n, m in zip(at_least, [*at_least[1:], 0], strict=True)]
    exactly[0] = len(without)
    return {
        "exactly": {str(n): count for n, count in enumerate(exactly)},
        "at_least": {str(n): at_least[n] for n in range(1, len(at_least))},
        "no_visit_yet": sorted(a.name for a in without),
        "grade_share": grade_share(index, counts, as_at),
    }


def authority_days(facts: Facts, as_at: date) -> Counter[str]:
    """Days each authority was open from 2018-01-01 to as_at, by the grade in force that day."""
    end = as_at.toordinal() + 1  # not as_at + 1 day: 9999-12-31 has no next day
    return Counter({grade: n for grade, totals in index_of(facts).authority_days.items() if (n := totals.before(end))})


def grade_share(index: TablesIndex, counts: Counts, as_at: date) -> dict[str, dict[str, int]]:
    """Shares of authority-days and of visits at each grade, over the four grades compared (not Inadequate)."""
    days = authority_days(index.facts, as_at)
    at_visit: Counter[str] = Counter()
    for (grade, _, _, _), n in counts.items():
        at_visit[grade] += n
    day_total = sum(days[g] for g in SHARE_GRADES)
    visit_total = sum(at_visit[g] for g in SHARE_GRADES)
    return {g: {"authority_days_percent": percent(days[g], day_total),
                "visits_percent": percent(at_visit[g], visit_total)} for g in SHARE_GRADES}


def notes(index: TablesIndex, counts: Counts, as_at: date) -> dict[str, Any]:
    """Priority actions, the PDMOC visits and the Covid visits."""
    facts, visits = index.facts, sum(counts.values())
    priority = sum(n for (_, _, _, priority_action), n in counts.items() if priority_action)
    pdmoc = [v for v in index.pdmoc if v.publication_date <= as_at]
    return {
        "priority_actions": priority,
        "priority_actions_percent": percent_1dp(priority, visits),
        "pdmoc": [{"authority": facts.name_of(v.urn, v.authority), "visit_start": v.visit_start.isoformat()}
                  for v in pdmoc],
        "covid_visits": sum(n for (_, _, topic, _), n in counts.items() if topic == "C-19"),
        "covid_visits_to_inadequate": sum(n for (grade, _, topic, _), n in counts.items()
                                          if (grade, topic) == (INADEQUATE, "C-19")),
    }


def tables(facts: Facts, as_at: date) -> dict[str, Any]:
    """Every table as at a date, in the shape of SPEC section 5 (without the dates, added by the caller)."""
    index = index_of(facts)
    counts = index.counts(as_at)
    return {
        "table_10_1": table_10_1(counts),
        "table_10_2": table_10_2(index, as_at),
        "table_10_3": table_10_3(counts),
        "table_10_4": table_10_4(index, counts, as_at),
        "notes": notes(index, counts, as_at),
    }
