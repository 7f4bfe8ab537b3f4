"""The tables as at a date, from a cold start: each measurement is a new process on the store.

`python -m bench.asat URL COLD_DAY WARM_DAY` times the tables as at COLD_DAY from nothing in memory (the
store opened, the facts read and folded, the tables computed), then as at WARM_DAY in the same process,
and prints the figures as JSON with the process's peak resident memory.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from events.db import make_engine
from events.projection import Projection
from events.store import SqlEventStore

ROOT = Path(__file__).resolve().parents[1]
COLD_DAY, WARM_DAY = date(2024, 11, 21), date(2023, 3, 31)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def measure(url: str, cold_day: date = COLD_DAY, warm_day: date = WARM_DAY) -> dict[str, Any]:
    """The figures of one new process querying the store at `url`."""
    done = subprocess.run([sys.executable, "-m", "bench.asat", url, cold_day.isoformat(), warm_day.isoformat()],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def main(url: str, cold_day: date, warm_day: date) -> dict[str, Any]:
    """Time the cold query, then the warm one (the modules are imported before the clock starts)."""
    started = time.perf_counter()
    projection = Projection(SqlEventStore(make_engine(url), lambda: NOW), lambda: NOW)
    cold = projection.tables(cold_day)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    projection.tables(warm_day)
    warm_ms = (time.perf_counter() - started) * 1000
    return {"cold_s": cold_s, "warm_ms": warm_ms, "visits": cold["table_10_1"]["counts"]["Total"]["Total"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3]))))
