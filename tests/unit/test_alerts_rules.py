"""What a person may type for a subscription, and which publications match whom."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.errors import InvalidInput
from notifiers.alerts import next_digest
from notifiers.delivery import backoff, groups
from notifiers.outbox import Row
from notifiers.rules import Publication, matched_kinds
from notifiers.subscribers import (
    Subscriber,
    parse_email,
    parse_kinds,
    parse_mode,
    parse_regions,
    parse_urns,
    shipped_regions,
)

REGIONS = ("London", "North East", "Yorkshire and the Humber")
THEN = datetime(2024, 11, 21, 9, tzinfo=UTC)


def subscriber(kinds=("new-report", "priority-action", "pdmoc", "grade-changed"), urns=(), regions=()) -> Subscriber:
    return Subscriber(1, "a@example.org", tuple(kinds), tuple(urns), tuple(regions), "immediate", THEN)


def publication(kinds=("new-report",), urn="80447", region="Yorkshire and the Humber") -> Publication:
    return Publication("file:1", urn, region, tuple(kinds), {})


def test_an_address_is_kept_in_lower_case():
    assert parse_email("  Ann.Smith+alerts@Example.ORG ") == "ann.smith+alerts@example.org"


@pytest.mark.parametrize("bad", ["", "ann", "ann@", "@example.org", "ann@example", "Ann <ann@example.org>",
                                 "ann smith@example.org", "ann@exa mple.org"])
def test_a_bad_address_is_refused_in_one_line(bad):
    with pytest.raises(InvalidInput, match="not an email address") as err:
        parse_email(bad)
    assert "\n" not in str(err.value)


def test_kinds_are_checked_and_kept_in_their_order():
    assert parse_kinds(" pdmoc,new-report ") == ("new-report", "pdmoc")
    with pytest.raises(InvalidInput, match="unknown alert kind 'reports'"):
        parse_kinds("new-report,reports")
    with pytest.raises(InvalidInput, match="no alert kind"):
        parse_kinds(" , ")


def test_urns_regions_and_modes_are_checked():
    assert parse_urns(["80447", " 80448", "80447"]) == ("80447", "80448")
    with pytest.raises(InvalidInput, match="not an Ofsted URN"):
        parse_urns(["leeds"])
    assert parse_regions(["north east", "London"], REGIONS) == ("North East", "London")
    with pytest.raises(InvalidInput, match="unknown region 'Wessex'"):
        parse_regions(["Wessex"], REGIONS)
    assert parse_mode("digest") == "digest"
    with pytest.raises(InvalidInput):
        parse_mode("weekly")


def test_the_shipped_regions_are_englands_nine():
    assert len(shipped_regions()) == 9 and "Yorkshire and the Humber" in shipped_regions()


def test_a_publication_matches_the_kinds_asked_for_naming_each():
    pub = publication(("new-report", "priority-action", "pdmoc"))
    assert matched_kinds(subscriber(), pub) == ("new-report", "priority-action", "pdmoc")
    assert matched_kinds(subscriber(["pdmoc", "grade-changed"]), pub) == ("pdmoc",)
    assert matched_kinds(subscriber(["grade-changed"]), pub) == ()


def test_narrowing_by_urn_or_region_either_one_will_do():
    assert matched_kinds(subscriber(urns=["80447"]), publication()) == ("new-report",)
    assert matched_kinds(subscriber(urns=["80448"]), publication()) == ()
    assert matched_kinds(subscriber(regions=["Yorkshire and the Humber"]), publication()) == ("new-report",)
    assert matched_kinds(subscriber(regions=["London"]), publication()) == ()
    assert matched_kinds(subscriber(urns=["80448"], regions=["Yorkshire and the Humber"]), publication()) != ()
    assert matched_kinds(subscriber(regions=["London"]), publication(region=None)) == ()


def test_digests_go_out_at_seven_the_next_morning():
    assert next_digest(THEN.replace(hour=6, minute=59)) == THEN.replace(hour=7, minute=0)
    assert next_digest(THEN.replace(hour=7, minute=0)) == THEN.replace(hour=7) + timedelta(days=1)
    assert next_digest(THEN.replace(hour=23)) == THEN.replace(hour=7) + timedelta(days=1)


def test_backoff_doubles_from_a_minute_to_at_most_six_hours():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert backoff(30) == timedelta(hours=6)


def test_a_subscribers_digest_rows_make_one_message():
    rows = [Row(1, 1, "a@x.org", "file:1", "digest", 0, {}), Row(2, 2, "b@x.org", "file:1", "immediate", 0, {}),
            Row(3, 1, "a@x.org", "file:2", "digest", 0, {}), Row(4, None, "ops@x.org", "operator:x", "operator", 0, {})]
    assert [[r.id for r in g] for g in groups(rows)] == [[1, 3], [2], [4]]
