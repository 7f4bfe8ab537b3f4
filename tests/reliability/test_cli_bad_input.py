"""Bad input at the command line: one line on stderr and exit code 2, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.cli import main
from tests.reliability.helpers import clean_env

ILACS = Path(sys.executable).parent / "ilacs"
VISIT = ["--authority", "X", "--visit-start", "2024-01-01", "--visit-end", "2024-01-02",
         "--publication-date", "2024-02-01", "--topic", "FD"]


@pytest.fixture
def cli(tmp_path, sqlite_url):
    runner = CliRunner(env={"ILACS_DATA_DIR": str(tmp_path), "ILACS_DATABASE_URL": sqlite_url,
                            "ILACS_SMTP_HOST": "", "ILACS_OPERATOR_EMAIL": ""})

    def run(*args: str) -> tuple[int, str, str, BaseException | None]:
        result = runner.invoke(main, list(args))
        return result.exit_code, result.stdout, result.stderr, result.exception
    return run


def folder_with_files(tmp_path: Path) -> Path:
    (tmp_path / "a-folder").mkdir(exist_ok=True)
    (tmp_path / "binary.csv").write_bytes(b"\x00\xff\xfe" * 50)
    (tmp_path / "empty.csv").write_bytes(b"")
    return tmp_path


BAD = {
    "a day that does not exist": (["tables", "--as-at", "2024-02-30"], "is not a date"),
    "a date without its zeros": (["tables", "--as-at", "2024-1-1"], "is not a date"),
    "a date in full-width digits": (["tables", "--as-at", "２０２４-０１-０１"], "is not a date"),
    "an instant before the first one": (["tables", "--known-at", "0001-01-01T00:00:00+01:00"], "out of range"),
    "an instant that is words": (["tables", "--known-at", "last tuesday"], "is not a date or date-time"),
    "a URN of letters": (["record-visit", "--urn", "leeds", *VISIT], "is not an Ofsted URN"),
    "a URN in Arabic-Indic digits": (["record-visit", "--urn", "٨٠٠٠١", *VISIT], "is not an Ofsted URN"),
    "a URN too short": (["correct-visit", "--urn", "12", "--visit-start", "2024-01-01", "--topic", "CL"],
                        "is not an Ofsted URN"),
    "an email without a domain": (["subscribers", "add", "ann"], "not an email address"),
    "an email smuggling a header": (["subscribers", "add", "ann@example.org\r\nBcc: all@example.org"],
                                    "not an email address"),
    "an unknown alert kind": (["subscribers", "add", "ann@example.org", "--alerts", "everything"],
                              "unknown alert kind"),
    "an unknown import kind": (["import", "widgets", "{dir}/binary.csv"], "'widgets' is not one of"),
    "a missing file": (["import", "visits", "{dir}/missing.csv"], "cannot read"),
    "a folder for a file": (["import", "visits", "{dir}/a-folder"], "is a directory"),
    "a binary file": (["import", "visits", "{dir}/binary.csv"], "not a readable CSV file"),
    "an empty file": (["import", "visits", "{dir}/empty.csv"], "missing column"),
    "an unknown format": (["tables", "--format", "xml"], "'xml' is not one of"),
    "a negative position": (["events", "--after", "-1"], "--after"),
    "a missing option": (["record-visit", "--urn", "80001"], "Missing option"),
    "an unknown command": (["tables-please"], "No such command"),
    "a database of another kind": (["tables", "--db", "mysql://localhost/x"], "unsupported database"),
    "a database where no folder can be made": (["tables", "--db", "sqlite:////proc/no/such/ilacs.db"],
                                               "cannot make the folder"),
    "a site that is not on the web": (["poll", "--reports-url", "ftp://reports.example"], "not a web address"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gives_one_line_and_exit_2(cli, tmp_path, case):
    args, message = BAD[case]
    folder = folder_with_files(tmp_path)
    code, out, err, exception = cli(*(a.replace("{dir}", str(folder)) for a in args))
    assert (code, out) == (2, ""), (err, exception)
    assert err.startswith("ilacs: error: ") and err.count("\n") == 1, err
    assert message in err


def test_the_real_command_exits_2_with_one_line_and_no_traceback(tmp_path):
    done = subprocess.run([str(ILACS), "tables", "--as-at", "2024-13-01"], env=clean_env(ILACS_DATA_DIR=str(tmp_path)),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "ilacs: error: --as-at '2024-13-01' is not a date (YYYY-MM-DD)\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--as-at", "--known-at"]),
       value=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
       | st.dates().map(str) | st.datetimes().map(lambda d: d.isoformat() + "+14:00"))
def test_any_date_given_is_read_or_refused_in_one_line(cli, option, value):
    code, _, err, exception = cli("tables", option, value, "--format", "json")
    assert code in (0, 2), exception
    assert code == 0 or (err.startswith("ilacs: error: ") and err.count("\n") == 1), err


@pytest.mark.parametrize("as_at", ["9999-12-31", "0001-01-01"])
def test_the_first_and_last_days_there_are_give_tables(cli, as_at):
    code, out, err, exception = cli("tables", "--as-at", as_at, "--format", "json")
    assert code == 0, (err, exception)
    assert f'"as_at": "{as_at}"' in out
