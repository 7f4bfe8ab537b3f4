"""`ilacs tables` in-process through the CLI, on a history consistent with the SESLIP page."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.db import make_engine, migrate
from events.store import NewEvent, SqlEventStore
from service.cli import main
from tests import seed_history as seed


@pytest.fixture
def seeded_db(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    migrate(engine)
    SqlEventStore(engine, lambda: datetime(2024, 11, 21, 12, tzinfo=UTC)).append(
        [NewEvent(e) for e in seed.seed_events()])
    return sqlite_url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_seed_history_prints_the_pages_tables(seeded_db):
    code, out, _ = run("tables", "--db", seeded_db, "--as-at", "2024-11-21", "--format", "json")
    assert code == 0
    t = json.loads(out)
    counts = t["table_10_1"]["counts"]
    for grade, row in seed.TABLE_10_1.items():
        assert [counts[grade][topic] for topic in seed.TOPICS] == row
        assert counts[grade]["Total"] == sum(row)
    assert counts["No overall grade"]["Total"] == 0
    assert counts["Total"]["Total"] == 325
    assert t["table_10_1"]["percent"]["Good"]["FD"] == 21  # 24 of 112; the page prints 22
    assert t["table_10_1"]["percent"]["Requires improvement"]["FD"] == 31
    for year, row in seed.TABLE_10_3.items():
        assert [t["table_10_3"][str(year)][topic] for topic in seed.TOPICS] == row
    t4 = t["table_10_4"]
    assert t4["at_least"] == {str(n): v for n, v in seed.AT_LEAST.items()}
    assert t4["exactly"] == {"0": 5, "1": 37, "2": 63, "3": 39, "4": 10, "5": 1}
    assert t4["no_visit_yet"] == seed.NO_VISIT
    assert {g: s["visits_percent"] for g, s in t4["grade_share"].items()} == {
        "Outstanding": 8, "Good": 37, "Requires improvement": 54, "Not inspected": 1}
    assert t["notes"]["priority_actions"] == 23 and t["notes"]["priority_actions_percent"] == 7.1
    assert (t["notes"]["covid_visits"], t["notes"]["covid_visits_to_inadequate"]) == (42, 21)


def test_at_least_labels_are_true_in_text(seeded_db):
    code, out, _ = run("tables", "--db", seeded_db, "--as-at", "2024-11-21")
    assert code == 0
    assert re.search(r"At least one focus visit\s+150", out)
    assert re.search(r"Exactly one focus visit\s+37", out)
    assert re.search(r"Exactly no focus visits\s+5", out)


@pytest.mark.parametrize("fmt,marker", [("md", "| Total |"), ("csv", "Table 10.3"), ("html", "<table>"),
                                         ("text", "Table 10.1")])
def test_every_format_renders(seeded_db, fmt, marker):
    code, out, _ = run("tables", "--db", seeded_db, "--as-at", "2024-11-21", "--format", fmt)
    assert code == 0 and marker in out and "325" in out


def test_known_at_before_anything_was_recorded_is_empty(seeded_db):
    code, out, _ = run("tables", "--db", seeded_db, "--known-at", "2024-11-20T00:00:00Z", "--format", "json")
    assert code == 0 and json.loads(out)["table_10_1"]["counts"]["Total"]["Total"] == 0


@pytest.mark.parametrize("args,message", [
    (["tables", "--as-at", "2024-02-30"], "--as-at '2024-02-30' is not a date"),
    (["tables", "--known-at", "yesterday"], "--known-at 'yesterday'"),
    (["record-visit", "--urn", "80000", "--authority", "X", "--visit-start", "2024-01-01", "--visit-end",
      "2024-01-02", "--publication-date", "2024-02-01", "--topic", "XYZ"], "unknown topic 'XYZ'"),
    (["record-visit", "--urn", "abc", "--authority", "X", "--visit-start", "2024-01-01", "--visit-end",
      "2024-01-02", "--publication-date", "2024-02-01", "--topic", "FD"], "URN 'abc'"),
    (["correct-visit", "--urn", "80000", "--visit-start", "2024-01-01", "--topic", "CL"], "no visit to URN 80000"),
    (["withdraw-visit", "--urn", "80000", "--visit-start", "2024-01-01", "--reason", "x"], "no visit to URN 80000"),
])
def test_bad_input_is_one_line_and_exit_2(sqlite_url, args, message):
    code, out, err = run(*args, "--db", sqlite_url)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_analyst_records_corrects_and_withdraws_a_visit(sqlite_url):
    base = ["--db", sqlite_url, "--urn", "80000", "--visit-start", "2024-01-01"]
    assert run("record-visit", *base, "--authority", "Poole", "--visit-end", "2024-01-02",
               "--publication-date", "2024-02-01", "--topic", "FD")[0] == 0
    assert "nothing new" in run("record-visit", *base, "--authority", "Poole", "--visit-end", "2024-01-02",
                                "--publication-date", "2024-02-01", "--topic", "FD")[1]
    assert run("correct-visit", *base, "--topic", "CL", "--priority-action", "true")[0] == 0
    t = json.loads(run("tables", "--db", sqlite_url, "--as-at", "2024-03-01", "--format", "json")[1])
    assert t["table_10_1"]["counts"]["Total"]["CL"] == 1 and t["notes"]["priority_actions"] == 1
    assert run("withdraw-visit", *base, "--reason", "entered twice")[0] == 0
    t = json.loads(run("tables", "--db", sqlite_url, "--as-at", "2024-03-01", "--format", "json")[1])
    assert t["table_10_1"]["counts"]["Total"]["Total"] == 0
    lines = run("events", "--db", sqlite_url)[1].splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["VisitRecorded", "VisitCorrected", "VisitWithdrawn"]
    assert set(json.loads(lines[0])) == {"position", "type", "schema_version", "recorded_at", "data"}
    assert [json.loads(x)["position"] for x in run("events", "--db", sqlite_url, "--after", "2")[1].splitlines()] == [3]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_of_authorities_visits_and_inspections(sqlite_url, tmp_path):
    a = write(tmp_path, "a.csv", "urn,name,region,opened,closed,extra\n80001,Poole,South West,,2019-04-01,x\n")
    v = write(tmp_path, "v.csv",
              "urn,authority,visit_start,visit_end,publication_date,topic,priority_action,url\n"
              "80001,Poole,2018-05-01,2018-05-02,2018-06-01,FD,true,\n")
    i = write(tmp_path, "i.csv",
              "urn,authority,publication_date,inspection_start,inspection_end,framework,overall,url\n"
              "80001,Poole,2017-01-01,,,SIF,Good,\n80001,Poole,2018-01-01,,,ILACS,Good,\n")
    for kind, path in [("authorities", a), ("visits", v), ("inspections", i)]:
        code, out, err = run("import", kind, str(path), "--db", sqlite_url)
        assert code == 0, err
    assert "0 events appended" in run("import", "visits", str(v), "--db", sqlite_url)[1]  # same file again
    types = [json.loads(x)["type"] for x in run("events", "--db", sqlite_url)[1].splitlines()]
    assert types == ["AuthorityRecorded", "VisitRecorded", "InspectionPublished", "GradeChanged",
                     "InspectionPublished"]
    t = json.loads(run("tables", "--db", sqlite_url, "--as-at", "2024-11-21", "--format", "json")[1])
    assert t["table_10_1"]["counts"]["Good"]["FD"] == 1
    assert t["table_10_4"]["at_least"] == {"1": 1} and t["table_10_4"]["no_visit_yet"] == []


def test_a_bad_row_stops_the_import_with_its_line_number_and_records_nothing(sqlite_url, tmp_path):
    v = write(tmp_path, "v.csv", "urn,authority,visit_start,visit_end,publication_date,topic,priority_action,url\n"
                                 "80001,Poole,2018-05-01,2018-05-02,2018-06-01,FD,false,\n"
                                 "80001,Poole,2018-07-01,2018-07-02,2018-08-01,FD,maybe,\n")
    code, _, err = run("import", "visits", str(v), "--db", sqlite_url)
    assert code == 2 and "line 3" in err and "'maybe'" in err
    assert run("events", "--db", sqlite_url)[1] == ""
    missing = write(tmp_path, "m.csv", "urn,name\n1,x\n")
    code, _, err = run("import", "authorities", str(missing), "--db", sqlite_url)
    assert code == 2 and "missing column 'region'" in err


@pytest.mark.parametrize("url", ["postgresql://u:s3cret@host:notaport/db", "postgresql//u:s3cret@host/db"])
def test_a_bad_database_url_is_bad_input_and_its_password_is_never_shown(url):
    result = CliRunner().invoke(main, ["tables", "--db", url])
    assert result.exit_code == 2
    assert "not a database URL" in result.stderr and "s3cret" not in result.stderr
