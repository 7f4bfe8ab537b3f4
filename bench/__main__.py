"""`python -m bench`: run every benchmark, print the table, write the figures to $BENCH_JSON when set."""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import asat, corpus, pdf
from bench.append import append_eventsourcing, append_ours
from bench.machine import describe
from bench.report import Results, markdown

EVENTS = 1_000_000
COMPARED = 100_000  # events appended by both stores, twice each, alternating
CURVE = (10_000, COMPARED, EVENTS)


def say(text: str) -> None:
    """Progress, on stderr so that stdout is the table alone."""
    print(text, file=sys.stderr, flush=True)


def measure_log(tmp: Path, results: Results) -> None:
    """Appending (ours against eventsourcing, then the whole log) and the as-at queries at each log size."""
    ours, theirs = [], []
    for round_ in (1, 2):
        say(f"appending {COMPARED:,} events with eventsourcing, then with ours (round {round_} of 2)")
        theirs.append(append_eventsourcing(tmp / f"eventsourcing-{round_}.db", COMPARED))
        ours.append(append_ours(tmp / f"ours-{round_}.db", COMPARED))
    results.figures["ours_100k_events_per_s"] = COMPARED / min(ours)
    results.figures["eventsourcing_100k_events_per_s"] = COMPARED / min(theirs)
    results.figures["append_vs_eventsourcing"] = min(theirs) / min(ours)
    say(f"appending {EVENTS:,} events")
    results.figures["events"] = EVENTS
    results.figures["append_events_per_s"] = EVENTS / append_ours(tmp / "log.db", EVENTS)
    append_ours(tmp / "small.db", CURVE[0])
    for events, db in zip(CURVE, ("small.db", "ours-2.db", "log.db"), strict=True):
        say(f"querying the tables as at a date on {events:,} events (two new processes)")
        results.curve.append(as_at_point(events, f"sqlite:///{tmp / db}"))
    largest = results.curve[-1]
    results.figures.update(as_at_cold_s=largest["cold_s"], as_at_first_s=largest["first_s"],
                           as_at_warm_ms=largest["warm_ms"], peak_rss_mb=largest["peak_rss_mb"])


def as_at_point(events: int, url: str) -> dict[str, Any]:
    """The first query ever on a log (which keeps a snapshot), then a cold start after it, and its warm query."""
    first, cold = asat.measure(url), asat.measure(url)
    return {"events": events, "visits": cold["visits"], "first_s": first["cold_s"], "cold_s": cold["cold_s"],
            "warm_ms": cold["warm_ms"], "peak_rss_mb": max(first["peak_rss_mb"], cold["peak_rss_mb"])}


def measure_corpus(tmp: Path, results: Results) -> None:
    """The backfill and idle poll, and PDF text, on the real corpus (skipped with the reason when absent)."""
    reason = corpus.missing()
    if reason:
        say(f"skipping the backfill and idle poll: {reason}")
        results.skipped.update(dict.fromkeys(("backfill_docs_per_s", "idle_poll_requests", "idle_poll_documents"),
                                             reason))
    else:
        say("backfilling the real corpus from the local site, then polling it again")
        results.figures.update(corpus.measure(tmp / "corpus"))
    reason = pdf.missing()
    if reason:
        say(f"skipping PDF text: {reason}")
        results.skipped["pdf_vs_pypdf"] = reason
    else:
        say(f"reading {pdf.LETTERS} letters with pypdfium2, then with pypdf")
        results.figures.update(pdf.measure())


def main() -> None:
    """Run every benchmark in one process (queries in child processes, to start cold)."""
    logging.basicConfig(level=logging.ERROR)  # the corpus has unreadable documents: expected, not news
    started = time.perf_counter()
    results = Results(describe(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    with tempfile.TemporaryDirectory(prefix="ilacs-bench-") as tmp:
        measure_log(Path(tmp), results)
        measure_corpus(Path(tmp), results)
    results.seconds = time.perf_counter() - started
    print(markdown(results))
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(results.as_json(), indent=2) + "\n")
        say(f"figures written to {os.environ['BENCH_JSON']}")


if __name__ == "__main__":
    main()
