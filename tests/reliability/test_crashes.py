"""Crashes: `ilacs poll` killed with SIGKILL at seeded random points, then rerun, ends where an
uninterrupted poll ends: the same events (keys, data and how many of each) and the same tables.
"""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from events.db import make_engine
from events.store import events_table
from service import bootstrap
from tests.reliability.helpers import clean_env, duplicates, facts, local_app, tables
from tests.sitehelpers import LocalSite, corpus_missing, run_ofsted_site

pytestmark = [pytest.mark.corpus, pytest.mark.slow]
AS_AT = "2016-12-31"  # 121 publications: long enough a poll to be killed in many places
ILACS = Path(sys.executable).parent / "ilacs"
SEED = 20241121


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at=AS_AT) as running:
        yield running


def poll_process(data_dir: Path, site: LocalSite, log: Path) -> subprocess.Popen[bytes]:
    env = clean_env(ILACS_DATA_DIR=str(data_dir), ILACS_REPORTS_URL=site.url, ILACS_FILES_URL=site.url,
                    ILACS_REQUEST_PACE="0")
    with open(log, "ab") as out:
        return subprocess.Popen([str(ILACS), "poll"], env=env, cwd=data_dir.parent, stdout=out,
                                stderr=subprocess.STDOUT)


def position(url: str) -> int:
    """The last position of the log, 0 before the schema exists."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events_table.c.position), 0))).scalar_one())
    except sa.exc.OperationalError:  # no schema yet: the process is still starting
        return 0
    finally:
        engine.dispose()


def kill_when(process: subprocess.Popen[bytes], reached: Callable[[], bool], within: float = 60.0) -> bool:
    """SIGKILL the process as soon as `reached()` is true; False when it finished first."""
    deadline = time.monotonic() + within
    while process.poll() is None:
        if reached():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        assert time.monotonic() < deadline, "the poll neither reached the kill point nor ended"
        time.sleep(0.005)
    return False


def test_polls_killed_at_random_points_then_rerun_end_with_the_uninterrupted_facts(site, tmp_path):
    site.reset()
    site.set_as_at(AS_AT)
    uninterrupted = local_app(tmp_path / "uninterrupted", site.url)
    assert bootstrap.poll(uninterrupted).ok
    total = uninterrupted.store.last_position()

    data = tmp_path / "killed"
    data.mkdir()
    url = f"sqlite:///{(data / 'ilacs.db').resolve()}"
    log = tmp_path / "polls.log"
    rng = random.Random(SEED)
    kills = []
    # one kill by time, early (starting, migrating, listing); then kills after a seeded number of events
    started = time.monotonic()
    delay = rng.uniform(0.2, 1.0)
    process = poll_process(data, site, log)
    if kill_when(process, lambda: time.monotonic() - started > delay):
        kills.append(f"at {delay:.2f} s")
    for target in sorted(rng.sample(range(1, total), 5)):
        if position(url) >= target:
            continue
        process = poll_process(data, site, log)
        if kill_when(process, lambda target=target: position(url) >= target):
            kills.append(f"at event {target}")
    assert len(kills) >= 4, kills

    process = poll_process(data, site, log)
    assert process.wait(timeout=120) == 0, log.read_text()[-2000:]
    assert log.read_text().rstrip().splitlines()[-1].startswith("poll ok")
    rerun = local_app(data, site.url)
    assert duplicates(rerun) == []
    assert facts(rerun) == facts(uninterrupted)
    assert tables(rerun, AS_AT) == tables(uninterrupted, AS_AT)
    print(f"\nkilled {len(kills)} times ({', '.join(kills)}); the rerun ends with the uninterrupted {total} events")
