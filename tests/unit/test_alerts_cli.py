"""`ilacs subscribers add|list|remove` and `ilacs notify`, in-process on a SQLite file."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from service.cli import main
from tests.alerthelpers import letter, make_app, publish
from tests.builders import authority


@pytest.fixture
def cli(tmp_path, sqlite_url):
    runner = CliRunner(env={"ILACS_DATA_DIR": str(tmp_path), "ILACS_DATABASE_URL": sqlite_url,
                            "ILACS_SMTP_HOST": "", "ILACS_OPERATOR_EMAIL": ""})

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args))
        return result.exit_code, result.stdout, result.stderr
    return run


def test_add_list_and_remove_subscribers(cli):
    code, out, _ = cli("subscribers", "add", "Ann@Example.org", "--alerts", "pdmoc,priority-action",
                       "--urn", "80447", "--region", "london", "--mode", "digest")
    assert code == 0 and out.startswith("subscribed ann@example.org: alerts=priority-action,pdmoc")
    assert cli("subscribers", "add", "bob@example.org")[0] == 0
    ann, bob = cli("subscribers", "list")[1].splitlines()
    assert ann.split("\t")[:5] == ["ann@example.org", "alerts=priority-action,pdmoc", "urns=80447", "regions=London",
                                   "mode=digest"]
    assert bob.split("\t")[1:5] == ["alerts=new-report,priority-action,pdmoc,grade-changed", "urns=-", "regions=-",
                                    "mode=immediate"]
    assert cli("subscribers", "add", "ann@example.org", "--alerts", "new-report")[1].startswith("updated")
    assert cli("subscribers", "remove", "ann@example.org") == (0, "removed ann@example.org\n", "")
    assert [line.split("\t")[0] for line in cli("subscribers", "list")[1].splitlines()] == ["bob@example.org"]


@pytest.mark.parametrize(("args", "message"), [
    (["add", "ann"], "not an email address: 'ann'"),
    (["add", "ann@example.org", "--alerts", "new-report,everything"], "unknown alert kind 'everything'"),
    (["add", "ann@example.org", "--urn", "leeds"], "URN 'leeds' is not an Ofsted URN"),
    (["add", "ann@example.org", "--region", "Wessex"], "unknown region 'Wessex'"),
    (["add", "ann@example.org", "--mode", "weekly"], "mode 'weekly' must be immediate or digest"),
    (["remove", "nobody@example.org"], "nobody@example.org is not subscribed"),
])
def test_bad_input_is_one_line_and_exit_code_2(cli, args, message):
    code, out, err = cli("subscribers", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_notify_sends_what_is_due_into_the_maildir(cli, tmp_path, sqlite_url, clock):
    cli("subscribers", "add", "ann@example.org")
    app = make_app(sqlite_url, clock, tmp_path)
    publish(app, [authority("80447", "Leeds")], backfill=True)
    publish(app, [letter("80447", date(2024, 10, 1))])
    assert cli("notify") == (0, "alerts: 1 sent, 0 to retry, 0 undeliverable\n", "")
    assert len(list((tmp_path / "maildir" / "new").glob("*.eml"))) == 1
    assert cli("notify")[1] == "alerts: 0 sent, 0 to retry, 0 undeliverable\n"


def test_every_alerts_command_has_help(cli):
    for args in (["subscribers"], ["subscribers", "add"], ["subscribers", "list"], ["subscribers", "remove"],
                 ["notify"]):
        code, out, _ = cli(*args, "--help")
        assert code == 0 and "Usage:" in out
