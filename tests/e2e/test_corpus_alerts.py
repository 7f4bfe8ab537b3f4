"""Alerts on the real corpus: a backfill sends nothing; what the site publishes next reaches the right people."""
from __future__ import annotations

from datetime import date

import pytest

from notifiers.ports import RecordingSender
from service import bootstrap
from service.settings import Settings

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

SUBSCRIBERS = {  # email: (kinds, urns, regions)
    "all@example.org": ("new-report,priority-action,pdmoc,grade-changed", (), ()),
    "pdmoc@example.org": ("pdmoc", (), ()),
    "priority@example.org": ("priority-action", (), ()),
    "north-east@example.org": ("new-report", (), ("North East",)),
    "wolverhampton@example.org": ("new-report", ("80583",), ()),
}


def recipients(sender: RecordingSender) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for message in sender.sent:
        out.setdefault(message["To"], []).append(message["Subject"])
    return out


def test_backfill_sends_nothing_then_each_subscriber_gets_what_they_asked_for(tmp_path, _ofsted_site_process):
    site = _ofsted_site_process
    site.reset()
    site.set_as_at("2024-06-30")
    sender = RecordingSender()
    app = bootstrap.build(Settings(data_dir=tmp_path, reports_url=site.url, files_url=site.url, request_pace=0),
                          sender=sender)
    for email, (kinds, urns, regions) in SUBSCRIBERS.items():
        app.alerts.subscribers.add(email, kinds, urns, regions)
    try:
        first = bootstrap.poll(app)
        app.alerts.send_due()
        assert first.backfill and first.alerts_queued == 0 and sender.sent == []

        site.set_as_at("2024-11-21")
        second = bootstrap.poll(app)
        app.alerts.send_due()
        got = recipients(sender)
    finally:
        site.set_as_at("2024-11-21")

    # what the second poll recorded, and who should hear of each, by the subscribers' own rules
    new = [r.data for r in app.store.read() if r.type in ("VisitPublished", "InspectionPublished")
           and date.fromisoformat(r.data["publication_date"]) > date(2024, 6, 30)]
    regions = {r.data["urn"]: r.data["region"] for r in app.store.read() if r.type == "AuthorityRecorded"}
    assert len(new) >= 20 and second.new_publications == len(new)
    assert len(got["all@example.org"]) == len(new)
    pdmoc = [d for d in new if d.get("topic") == "PDMOC"]
    assert [d["authority"] for d in pdmoc] == ["Stockton-on-Tees"]
    assert len(got["pdmoc@example.org"]) == 1 and "Stockton-on-Tees" in got["pdmoc@example.org"][0]
    assert len(got.get("priority@example.org", [])) == sum(bool(d.get("priority_action")) for d in new)
    north_east = [d for d in new if regions[d["urn"]] == "North East"]
    assert len(got["north-east@example.org"]) == len(north_east) >= 1
    assert all(any(d["authority"] in s for d in north_east) for s in got["north-east@example.org"])
    assert len(got["wolverhampton@example.org"]) == sum(d["urn"] == "80583" for d in new) == 1

    sent = len(sender.sent)
    again = bootstrap.poll(app)
    app.alerts.send_due()
    assert again.alerts_queued == 0 and len(sender.sent) == sent
