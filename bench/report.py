"""The figures, their targets, and the table they are shown in (Markdown: the same text goes into the README)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# figure -> (what it is, the target as (comparison, value) or None)
FIGURES: dict[str, tuple[str, tuple[str, float] | None]] = {
    "events": ("synthetic log: events (20,000 providers, the real mix of types)", None),
    "append_events_per_s": ("events appended per second, SQLite, batches of 1,000", (">=", 20_000)),
    "append_vs_eventsourcing": ("ours / eventsourcing's SQLite recorder, the same 100,000 events", (">=", 1.0)),
    "ours_100k_events_per_s": ("ours on those 100,000 events, per second (best of 2)", None),
    "eventsourcing_100k_events_per_s": ("eventsourcing on those 100,000 events, per second (best of 2)", None),
    "as_at_cold_s": ("tables as at a date, new process (facts from the last snapshot + newer events), s",
                     ("<=", 3.0)),
    "as_at_first_s": ("the first query ever on the bulk-loaded log (folds every event, keeps a snapshot), s",
                      None),
    "as_at_warm_ms": ("a further query for another date in the same process, ms", ("<=", 50.0)),
    "peak_rss_mb": ("peak resident memory of the query processes, MB", ("<=", 1024.0)),
    "backfill_docs_per_s": ("full backfill of the real corpus (local site), documents per second", (">=", 20.0)),
    "backfill_docs": ("documents downloaded by that backfill", None),
    "backfill_s": ("that backfill, s", None),
    "idle_poll_requests": ("idle poll of the unchanged site: requests", ("<=", 160.0)),
    "idle_poll_documents": ("idle poll of the unchanged site: documents downloaded", ("=", 0.0)),
    "pdf_vs_pypdf": ("PDF text, 50 letters: pypdf's time / pypdfium2's (ours), best of 3 each", (">=", 10.0)),
}


@dataclass
class Results:
    """Everything one run measured."""

    machine: dict[str, Any]
    started: str
    figures: dict[str, Any] = field(default_factory=dict)
    curve: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def met(self) -> dict[str, bool]:
        """Each measured figure that has a target: whether the target holds."""
        out = {}
        for name, (_, target) in FIGURES.items():
            if target is not None and name in self.figures:
                op, value = target
                out[name] = {">=": self.figures[name] >= value, "<=": self.figures[name] <= value,
                             "=": self.figures[name] == value}[op]
        return out

    def as_json(self) -> dict[str, Any]:
        """The figures as written to $BENCH_JSON."""
        return {"started": self.started, "seconds": round(self.seconds, 1), "machine": self.machine,
                "figures": self.figures, "targets": {n: list(t) for n, (_, t) in FIGURES.items() if t},
                "met": self.met(), "as_at_by_log_size": self.curve, "skipped": self.skipped}


def markdown(results: Results) -> str:
    """The machine, the figures against their targets, and the as-at curve, as Markdown tables."""
    m, met = results.machine, results.met()
    lines = [f"Measured {results.started} in {results.seconds / 60:.1f} min on: {m['cpu']}, {m['cores']} cores, "
             f"{m['ram_gb']} GB RAM; {m['os']}; Python {m['python']}; SQLite {m['sqlite']} "
             f"(load average {m['load_average']} at the start).", "",
             "| figure | value | target | met |", "|---|---:|---|---|"]
    for name, (what, target) in FIGURES.items():
        if name in results.figures:
            mark = ("yes" if met[name] else "**no**") if name in met else ""
            goal = f"{target[0]} {_number(target[1])}" if target else ""
            lines.append(f"| `{name}`: {what} | {_number(results.figures[name])} | {goal} | {mark} |")
    for name, reason in results.skipped.items():
        lines.append(f"| `{name}` | skipped: {reason} | | |")
    if results.curve:
        lines += ["", "How the as-at query grows with the log:", "",
                  "| events | visits | first query, s | cold start, s | warm query, ms | peak RSS, MB |",
                  "|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {_number(p['events'])} | {_number(p['visits'])} | {_number(p['first_s'])} | "
                  f"{_number(p['cold_s'])} | {_number(p['warm_ms'])} | {_number(p['peak_rss_mb'])} |"
                  for p in results.curve]
    return "\n".join(lines)


def _number(value: float) -> str:
    """Whole numbers with thousands separators; otherwise three significant figures or so."""
    if isinstance(value, int) or float(value).is_integer() or abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
