"""The web over a real socket, on a SQLite store holding the SESLIP seed history."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest
from click.testing import CliRunner

from events.store import NewEvent, SqlEventStore
from service import bootstrap
from service.cli import main
from service.pollruns import PollRun
from tests.builders import report, visit
from tests.conftest import SteppableClock
from tests.webhelpers import RECORDED, FakeRuns, health_for, running_web, seeded_app

CREDIT = "Contains public sector information licensed under the"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


class FakeAlerts:
    """Knows one token; records every unsubscribe asked of it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def unsubscribe(self, token: str) -> str | None:
        self.asked.append(token)
        return "reader@example.org" if token == "good-token" else None


@pytest.fixture
def app(tmp_path: Path, clock: SteppableClock) -> bootstrap.App:
    return seeded_app(tmp_path / "data", clock)


@pytest.fixture
def runs() -> FakeRuns:
    return FakeRuns()


@pytest.fixture
def web(app: bootstrap.App, runs: FakeRuns) -> Iterator[httpx.Client]:
    with running_web(app, health_for(app, runs)) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def test_home_page_shows_the_tables_the_chart_and_the_credit(web):
    page = web.get("/", params={"as_at": "2024-11-21"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Table 10.1: Focus visits by type and grade at time of visit as at 2024-11-21" in html
    assert "<tr><td>Total</td><td>85</td><td>89</td>" in html  # the totals of FD and CIN/CPP
    assert html.count('data-year="2018"') == 6  # one bar segment per topic visited that year
    assert '<input type="date" name="as_at" value="2024-11-21"' in html
    assert CREDIT in html and f'href="{OGL}"' in html and 'href="https://reports.example.test"' in html


def test_home_page_is_as_at_today_by_default(web, clock):
    clock.advance(days=40)
    assert "as at 2024-12-31" in web.get("/").text


def test_an_earlier_as_at_counts_less(web):
    early = web.get("/tables", params={"as_at": "2019-01-01"}).json()
    assert early["as_at"] == "2019-01-01"
    assert 0 < early["table_10_1"]["counts"]["Total"]["Total"] < 325


@pytest.mark.parametrize("path,message", [
    ("/?as_at=2024-02-30", "as_at &#39;2024-02-30&#39; is not a date (YYYY-MM-DD)"),
    ("/tables?as_at=21/11/2024", "bad request: as_at '21/11/2024' is not a date (YYYY-MM-DD)"),
    ("/tables?known_at=yesterday", "bad request: known_at 'yesterday' is not a date or date-time"),
    ("/tables?format=xml", "bad request: format 'xml' is not one of"),
    ("/events?after=-1", "bad request: after '-1' is not a log position"),
    ("/unsubscribe", "bad request: this unsubscribe link has no token"),
])
def test_bad_query_input_is_a_400_that_says_what_is_wrong(web, path, message):
    answer = web.get(path)
    assert answer.status_code == 400
    assert message in answer.text


def test_tables_json_is_exactly_what_the_cli_prints(web, app):
    args = {"as_at": "2024-11-21", "known_at": "2024-12-01T00:00:00Z"}
    cli = CliRunner().invoke(main, ["tables", "--db", app.settings.store_url, "--as-at", args["as_at"],
                                    "--known-at", args["known_at"], "--format", "json"])
    answer = web.get("/tables", params={**args, "format": "json"})
    assert cli.exit_code == 0
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == cli.stdout
    assert json.loads(answer.text)["table_10_1"]["counts"]["Total"]["Total"] == 325


def test_known_at_before_anything_was_recorded_shows_nothing(web):
    t = web.get("/tables", params={"as_at": "2024-11-21", "known_at": "2024-11-20"}).json()
    assert t["known_at"] == "2024-11-20T23:59:59.999999Z"
    assert t["table_10_1"]["counts"]["Total"]["Total"] == 0


@pytest.mark.parametrize("fmt,content_type,marker", [
    ("csv", "text/csv; charset=utf-8", "Table 10.3: Focus visits by year and type\nYear,FD,"),
    ("html", "text/html; charset=utf-8", "<caption>Table 10.3: Focus visits by year and type</caption>"),
    ("md", "text/markdown; charset=utf-8", "| Total |"),
])
def test_tables_in_other_formats(web, fmt, content_type, marker):
    answer = web.get("/tables", params={"as_at": "2024-11-21", "format": fmt})
    assert answer.status_code == 200 and answer.headers["content-type"] == content_type
    assert marker in answer.text


def test_events_are_the_log_after_a_position(web, app):
    lines = web.get("/events", params={"after": "300"}).text.splitlines()
    expected = [json.dumps(r.as_json(), separators=(",", ":")) for r in app.store.read(after=300)]
    assert lines == expected and lines
    as_array = web.get("/events", params={"after": "300", "format": "json"}).json()
    assert as_array == [json.loads(line) for line in lines]
    assert web.get("/events", params={"after": str(app.store.last_position())}).text == ""


def test_feed_lists_new_publications_newest_first_with_their_links(web, app):
    web.get("/feed.atom")  # made once before the new publications: they must still show
    SqlEventStore(app.engine, lambda: RECORDED + timedelta(hours=1)).append([
        NewEvent(visit("80001", date(2024, 10, 1), "CL", published=date(2024, 11, 25), priority=True,
                       name="Anyshire", file_id="90000001")),
        NewEvent(report("80002", date(2024, 11, 26), "Good", name="Othershire")),
    ])
    parsed = feedparser.parse(web.get("/feed.atom").content)
    assert not parsed.bozo
    assert CREDIT in parsed.feed.rights
    entries = parsed.entries
    published = [e.published for e in entries]
    assert published == sorted(published, reverse=True) and len(entries) == 50
    first, second = entries[0], entries[1]
    assert first.title == "Othershire: inspection report (ILACS), Good"
    assert second.title == "Anyshire: focused visit, care leavers (CL), with a priority action"
    assert second.link == "https://files.ofsted.gov.uk/v1/file/90000001"
    assert second.id == "urn:ilacs:publication:90000001"


def test_healthz_gives_the_last_poll_and_turns_503_after_three_silent_intervals(web, runs, clock):
    start = clock()
    runs.runs.append(PollRun(start, start + timedelta(minutes=2), True, "poll ok: 1 new publications"))
    clock.advance(minutes=60)
    answer = web.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["last_poll"] == {"started_at": "2024-11-21T09:00:00Z", "finished_at": "2024-11-21T09:02:00Z",
                                 "ok": True, "summary": "poll ok: 1 new publications"}
    runs.runs.append(PollRun(clock(), clock(), False, "poll failed: the site did not answer"))
    clock.advance(minutes=3 * 60 - 60 + 3)  # three intervals after the last success finished, and a minute
    stale = web.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["status"] == "stale"
    assert stale.json()["last_poll"]["summary"] == "poll failed: the site did not answer"


def test_healthz_gives_a_new_process_three_intervals_for_its_first_poll(web, clock):
    clock.advance(minutes=179)
    assert web.get("/healthz").json()["last_poll"] is None
    assert web.get("/healthz").status_code == 200
    clock.advance(minutes=2)
    assert web.get("/healthz").status_code == 503


def test_unsubscribe_link_shows_a_form_and_changes_nothing(web, app):
    alerts = app.alerts = FakeAlerts()
    page = web.get("/unsubscribe", params={"token": "good-token"})
    assert page.status_code == 200
    assert '<form method="post" action="/unsubscribe?token=good-token">' in page.text
    assert alerts.asked == []


def test_one_click_post_unsubscribes_with_a_valid_token(web, app):
    alerts = app.alerts = FakeAlerts()
    answer = web.post("/unsubscribe", params={"token": "good-token"}, content=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and "reader@example.org will get no more alerts" in answer.text
    assert alerts.asked == ["good-token"]


def test_the_confirmation_form_posts_its_token(web, app):
    alerts = app.alerts = FakeAlerts()
    assert web.post("/unsubscribe", data={"token": "good-token"}).status_code == 200
    assert alerts.asked == ["good-token"]


def test_an_invalid_token_unsubscribes_no_one(web, app):
    app.alerts = FakeAlerts()
    answer = web.post("/unsubscribe", params={"token": "forged"}, content=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 400 and "not valid" in answer.text


def test_unsubscribe_without_alerts_set_up_says_so(web, app):
    app.alerts = None
    answer = web.post("/unsubscribe", params={"token": "good-token"}, content=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 503


@pytest.mark.parametrize("method,path", [("POST", "/"), ("PUT", "/tables"), ("DELETE", "/events"),
                                         ("POST", "/healthz")])
def test_nothing_else_on_the_web_changes_data(web, app, method, path):
    before = app.store.last_position()
    answer = web.request(method, path, content=b"x=1")
    assert answer.status_code == 405 and "GET" in answer.headers["allow"]
    assert app.store.last_position() == before


def test_unknown_paths_are_404(web):
    assert web.get("/admin").status_code == 404


def test_what_the_log_says_is_escaped_in_the_page(web, app):
    SqlEventStore(app.engine, lambda: RECORDED).append([NewEvent(
        visit("80003", date(2024, 10, 1), "FD", published=date(2024, 11, 1), name="<script>alert(1)</script>"))])
    html = web.get("/", params={"as_at": "2024-11-21"}).text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_allow_no_script(web):
    policy = web.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


class UnreachableRuns(FakeRuns):
    """Poll runs on a database that does not answer."""

    def latest(self, n: int = 1) -> list[PollRun]:
        raise ConnectionError("could not connect to server: Connection refused\nIs the server running?")


def test_healthz_is_503_with_the_reason_when_the_database_does_not_answer(app):
    with running_web(app, health_for(app, UnreachableRuns())) as url:
        answer = httpx.get(f"{url}/healthz")
    assert answer.status_code == 503
    assert answer.json()["error"] == "cannot read the poll runs: could not connect to server: Connection refused"
