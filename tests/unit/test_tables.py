"""The tables on small hand-computed histories (SPEC section 4)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from events.facts import fold
from events.store import MemoryEventStore, NewEvent
from events.tables import authority_days, percent, percent_1dp, tables
from events.types import VisitCorrected, VisitWithdrawn
from events.vocabulary import GRADES, TOPICS
from tests.builders import authority, report, visit

D = date


def facts_of(*events, clock=None):
    clock = clock or (lambda: datetime(2024, 1, 1, tzinfo=UTC))
    store = MemoryEventStore(clock)
    store.append([NewEvent(e) for e in events])
    return fold(store.read())


def test_percent_rounds_half_up_not_to_even():
    assert percent(24, 112) == 21  # the seed page prints 22%
    assert percent(1, 8) == 13  # 12.5 -> 13
    assert percent(1, 3) == 33
    assert percent(0, 0) == 0
    assert percent_1dp(23, 325) == 7.1
    assert percent_1dp(1, 16) == 6.3  # 6.25 -> 6.3


def test_grade_published_on_the_visits_first_day_counts_for_that_visit():
    f = facts_of(authority("1"), report("1", D(2019, 1, 1), "Good"), report("1", D(2020, 3, 2), "Outstanding"),
                 visit("1", D(2020, 3, 2), "CIC"), visit("1", D(2020, 3, 1), "FD"))
    t = tables(f, D(2021, 1, 1))["table_10_1"]["counts"]
    assert t["Outstanding"]["CIC"] == 1
    assert t["Good"]["FD"] == 1


def test_new_authority_is_not_inspected_until_its_first_judgement():
    f = facts_of(authority("2", opened=D(2019, 4, 1)), visit("2", D(2019, 6, 1), "PAP"),
                 report("2", D(2020, 1, 10), "Requires improvement"), visit("2", D(2021, 6, 1), "CL"))
    t = tables(f, D(2022, 1, 1))
    assert t["table_10_1"]["counts"]["Not inspected"]["PAP"] == 1
    assert t["table_10_1"]["counts"]["Requires improvement"]["CL"] == 1
    assert t["table_10_2"]["PAP"][0]["grade"] == "Not inspected"


def test_every_grade_and_topic_key_is_present_with_zeros():
    t = tables(facts_of(), D(2024, 1, 1))
    assert set(t["table_10_1"]["counts"]) == {*GRADES, "Total"}
    for row in t["table_10_1"]["counts"].values():
        assert set(row) == {*TOPICS, "Total"} and not any(row.values())
    assert set(t["table_10_2"]) == set(TOPICS)
    assert t["table_10_4"]["exactly"] == {"0": 0}


def test_closed_authority_with_visits_counts_in_at_least_but_is_never_listed_without_visit():
    f = facts_of(authority("10", "Poole", closed=D(2019, 4, 1)), authority("11", "Dorset closed", closed=D(2019, 4, 1)),
                 authority("12", "Open A"), authority("13", "Open B"),
                 visit("10", D(2018, 5, 1)), visit("12", D(2018, 6, 1)), visit("12", D(2020, 6, 1), "CL"))
    t4 = tables(f, D(2024, 11, 21))["table_10_4"]
    assert t4["exactly"] == {"0": 1, "1": 1, "2": 1}
    assert t4["at_least"] == {"1": 2, "2": 1}
    assert t4["no_visit_yet"] == ["Open B"]


def test_an_authority_not_yet_open_is_not_counted():
    f = facts_of(authority("20", "Later", opened=D(2025, 4, 1)), authority("21", "Now"))
    assert tables(f, D(2024, 11, 21))["table_10_4"]["no_visit_yet"] == ["Now"]
    assert tables(f, D(2025, 4, 1))["table_10_4"]["no_visit_yet"] == ["Later", "Now"]


def test_visits_published_after_as_at_are_not_counted():
    f = facts_of(authority("1"), visit("1", D(2024, 10, 1), published=D(2024, 11, 22)))
    assert tables(f, D(2024, 11, 21))["table_10_1"]["counts"]["Total"]["Total"] == 0
    assert tables(f, D(2024, 11, 22))["table_10_1"]["counts"]["Total"]["Total"] == 1


def test_report_under_2026_framework_makes_later_visits_no_overall_grade():
    f = facts_of(authority("1"), report("1", D(2022, 1, 1), "Good"),
                 report("1", D(2026, 7, 7), None, framework="ILACS-2026"),
                 report("1", D(2026, 8, 1), None, framework="other"),  # judges nothing: changes nothing
                 visit("1", D(2026, 6, 1), "FD"), visit("1", D(2026, 9, 1), "CIC"))
    counts = tables(f, D(2026, 12, 1))["table_10_1"]["counts"]
    assert counts["Good"]["FD"] == 1
    assert counts["No overall grade"]["CIC"] == 1


def test_inadequate_is_left_out_of_both_share_columns():
    # A: Good from 2018-01-01 for 10 days; B: Inadequate for the same 10 days, with a visit
    f = facts_of(authority("1", opened=D(2018, 1, 1), closed=D(2018, 1, 11)),
                 authority("2", opened=D(2018, 1, 1), closed=D(2018, 1, 11)),
                 report("1", D(2017, 6, 1), "Good", "SIF"), report("2", D(2017, 6, 1), "Inadequate", "SIF"),
                 visit("1", D(2018, 1, 3)), visit("2", D(2018, 1, 4), "C-19"))
    share = tables(f, D(2024, 1, 1))["table_10_4"]["grade_share"]
    assert "Inadequate" not in share
    assert share["Good"] == {"authority_days_percent": 100, "visits_percent": 100}
    assert share["Outstanding"] == {"authority_days_percent": 0, "visits_percent": 0}


def test_authority_days_split_at_each_judgement_and_respect_open_and_closed_days():
    f = facts_of(authority("1", opened=D(2018, 1, 1), closed=D(2018, 1, 31)),
                 report("1", D(2018, 1, 11), "Good"), report("1", D(2018, 1, 21), "Outstanding"),
                 authority("2", opened=D(2018, 1, 25)))
    days = authority_days(f, D(2018, 2, 3))
    # authority 1: 10 days not inspected, 10 good, 10 outstanding (closed on the 31st, exclusive)
    # authority 2: 25 Jan to 3 Feb inclusive = 10 days not inspected
    assert days == {"Not inspected": 20, "Good": 10, "Outstanding": 10}


def test_years_are_calendar_years_of_the_first_day_with_no_gaps():
    f = facts_of(authority("1"), visit("1", D(2018, 12, 31), "FD"), visit("1", D(2020, 1, 2), "CL"))
    years = tables(f, D(2024, 1, 1))["table_10_3"]
    assert list(years) == ["2018", "2019", "2020", "Total"]
    assert years["2018"]["FD"] == 1 and years["2019"]["Total"] == 0 and years["Total"]["Total"] == 2


def test_last_five_reports_newest_publication_first_then_latest_start_then_name():
    events = [authority(str(u), name) for u, name in [(1, "Bury"), (2, "Anglesey"), (3, "Cork")]]
    events += [visit("1", D(2023, 1, 1), "CL", published=D(2023, 3, 1)),
               visit("2", D(2023, 1, 1), "CL", published=D(2023, 3, 1)),
               visit("3", D(2023, 1, 5), "CL", published=D(2023, 3, 1))]
    events += [visit("1", D(2019 + i, 1, 1), "CL", published=D(2019 + i, 2, 1)) for i in range(4)]
    rows = tables(facts_of(*events), D(2024, 1, 1))["table_10_2"]["CL"]
    assert [(r["authority"], r["publication_date"]) for r in rows] == [
        ("Cork", "2023-03-01"), ("Anglesey", "2023-03-01"), ("Bury", "2023-03-01"),
        ("Bury", "2022-02-01"), ("Bury", "2021-02-01")]


def test_notes_count_priority_actions_pdmoc_and_covid_visits_to_inadequate():
    f = facts_of(authority("1", "Dudley"), authority("2"), report("2", D(2019, 1, 1), "Inadequate"),
                 visit("1", D(2024, 2, 6), "PDMOC"), visit("1", D(2022, 1, 1), priority=True),
                 visit("2", D(2020, 10, 1), "C-19"), visit("1", D(2020, 11, 1), "C-19"))
    n = tables(f, D(2024, 11, 21))["notes"]
    assert n["priority_actions"] == 1 and n["priority_actions_percent"] == 25.0
    assert n["pdmoc"] == [{"authority": "Dudley", "visit_start": "2024-02-06"}]
    assert (n["covid_visits"], n["covid_visits_to_inadequate"]) == (2, 1)


def test_correction_changes_todays_table_while_known_at_before_it_shows_the_old_one():
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    store = MemoryEventStore(lambda: now[0])
    store.append([NewEvent(authority("1")), NewEvent(visit("1", D(2023, 5, 1), "FD"))])
    now[0] += timedelta(days=10)
    store.append([NewEvent(VisitCorrected(urn="1", visit_start=D(2023, 5, 1), changes={"topic": "CIC"}))])
    today = tables(fold(store.read()), D(2024, 1, 1))["table_10_3"]["Total"]
    before = tables(fold(store.read(), known_at=datetime(2024, 1, 5, tzinfo=UTC)), D(2024, 1, 1))["table_10_3"]["Total"]
    assert (today["FD"], today["CIC"]) == (0, 1)
    assert (before["FD"], before["CIC"]) == (1, 0)


def test_withdrawn_visit_disappears():
    f = facts_of(authority("1"), visit("1", D(2023, 5, 1)), visit("1", D(2023, 9, 1), "CL"),
                 VisitWithdrawn(urn="1", visit_start=D(2023, 5, 1), reason="not a focused visit"))
    assert tables(f, D(2024, 1, 1))["table_10_1"]["counts"]["Total"]["Total"] == 1


def test_same_visit_stated_twice_is_one_visit():
    f = facts_of(authority("1"), visit("1", D(2023, 5, 1), file_id="9"), visit("1", D(2023, 5, 1), file_id="10"))
    assert tables(f, D(2024, 1, 1))["table_10_1"]["counts"]["Total"]["Total"] == 1
