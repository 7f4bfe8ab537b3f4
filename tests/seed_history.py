"""A history of 325 visits consistent with every count on the SESLIP page as at 21/11/2024.

Its grade x topic margins are Table 10.1's, its year x topic margins Table 10.3's, and its authorities'
visit counts Table 10.4's (37 with one visit, 63 with two, 39 with three, 10 with four, 1 with five; five
open authorities with none, two of them new). Each visit's grade is put in force by a judgement published
on the visit's first day, so the grade at the time of the visit is exactly the one the page gives.
"""
from __future__ import annotations

from datetime import date, timedelta

from events.types import Event
from tests.builders import authority, report, visit

TOPICS = ["FD", "CIN/CPP", "VCEFR", "CIC", "PAP", "CL", "PDMOC", "C-19"]
TABLE_10_1 = {
    "Outstanding": [10, 5, 2, 2, 1, 4, 0, 0],
    "Good": [24, 31, 7, 12, 8, 22, 0, 8],
    "Requires improvement": [51, 52, 3, 15, 12, 18, 2, 12],
    "Inadequate": [0, 0, 0, 0, 0, 0, 0, 21],
    "Not inspected": [0, 1, 0, 0, 1, 0, 0, 1],
}
TABLE_10_3 = {
    2018: [30, 18, 3, 2, 6, 9, 0, 0], 2019: [18, 16, 2, 4, 7, 3, 0, 0], 2020: [2, 6, 1, 2, 0, 0, 0, 18],
    2021: [11, 17, 4, 9, 2, 5, 0, 24], 2022: [14, 12, 2, 6, 5, 8, 0, 0], 2023: [9, 10, 0, 4, 1, 8, 0, 0],
    2024: [1, 10, 0, 2, 1, 11, 2, 0],
}
AT_LEAST = {1: 150, 2: 113, 3: 50, 4: 11, 5: 1}
NO_VISIT = ["Bexley", "Cumberland", "East Sussex", "Portsmouth", "Westmorland and Furness"]
PRIORITY_ACTIONS = 23


def _slots() -> list[tuple[str, str, int]]:
    """(grade, topic, year) for each of the 325 visits: each topic's grades paired with its years."""
    slots = []
    for i, topic in enumerate(TOPICS):
        grades = [g for g, row in TABLE_10_1.items() for _ in range(row[i])]
        years = [y for y, row in TABLE_10_3.items() for _ in range(row[i])]
        assert len(grades) == len(years)
        slots += [(g, topic, y) for g, y in zip(grades, sorted(years), strict=True)]
    return slots


def seed_events() -> list[Event]:
    """The events of the whole history, authorities first."""
    exactly = {n: AT_LEAST[n] - AT_LEAST.get(n + 1, 0) for n in AT_LEAST}
    slots = _slots()
    not_inspected = [s for s in slots if s[0] == "Not inspected"]
    others = [s for s in slots if s[0] != "Not inspected"]
    events: list[Event] = []
    urn = 90000
    # three new authorities, each visited once before any judgement of theirs
    for n, (_, topic, year) in enumerate(not_inspected):
        urn += 1
        events.append(authority(str(urn), f"New authority {n + 1}", opened=date(2019, 4, 1)))
        events.append(visit(str(urn), date(year, 6, 1), topic, name=f"New authority {n + 1}"))
    exactly[1] -= len(not_inspected)
    counts = [n for n in sorted(exactly, reverse=True) for _ in range(exactly[n])]
    cursor, priority = 0, PRIORITY_ACTIONS
    for k, n in enumerate(counts):
        urn += 1
        name = f"Authority {k + 1:03d}"
        mine = sorted(others[cursor:cursor + n], key=lambda s: s[2])
        cursor += n
        # the last two (one visit each, before 2024) closed after their visit, as Poole and Northamptonshire did
        last_year = mine[-1][2]
        closed = date(last_year + 1, 4, 1) if k >= len(counts) - 2 and last_year < 2024 else None
        events.append(authority(str(urn), name, closed=closed))
        for j, (grade, topic, year) in enumerate(mine):
            start = date(year, 1, 10) + timedelta(days=40 * j + k % 30)
            events.append(report(str(urn), start, grade, name=name))
            pa = priority > 0 and topic == "FD"
            priority -= pa
            events.append(visit(str(urn), start, topic, priority=pa, name=name))
    assert cursor == len(others)
    for name in NO_VISIT:
        urn += 1
        opened = date(2023, 4, 1) if name in ("Cumberland", "Westmorland and Furness") else None
        events.append(authority(str(urn), name, opened=opened))
    return events
