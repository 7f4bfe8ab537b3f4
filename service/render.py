"""The tables as text, Markdown, CSV, JSON or an HTML fragment (the same sections in each)."""
from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass
from typing import Any

from events.vocabulary import TOPICS

FORMATS = ("text", "md", "csv", "json", "html")
GRADE_LABELS = {"Not inspected": "Not inspected (new authorities)"}
NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@dataclass(frozen=True)
class Section:
    """One table: a title, a header row and rows of cells."""

    title: str
    header: list[str]
    rows: list[list[str]]


def _grid(title: str, first: str, grid: dict[str, dict[str, int]], suffix: str = "") -> Section:
    columns = [*TOPICS, "Total"]
    rows = [[GRADE_LABELS.get(r, r), *(f"{cells[c]}{suffix}" for c in columns)] for r, cells in grid.items()]
    return Section(title, [first, *columns], rows)


def _times(n: int) -> str:
    word = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
    return f"{word} focus visit{'' if n == 1 else 's'}"


def sections(t: dict[str, Any]) -> list[Section]:
    """The tables of one `Projection.tables` result, in page order."""
    as_at = t["as_at"]
    out = [
        _grid(f"Table 10.1: Focus visits by type and grade at time of visit as at {as_at}",
              "Grade at time of visit", t["table_10_1"]["counts"]),
        _grid("Table 10.1 (percent of each row)", "Grade at time of visit", t["table_10_1"]["percent"], "%"),
    ]
    recent = [[topic, r["authority"], r["urn"], r["visit_start"], r["visit_end"], r["publication_date"],
               GRADE_LABELS.get(r["grade"], r["grade"]), "yes" if r["priority_action"] else "no", r["url"] or ""]
              for topic, rows in t["table_10_2"].items() for r in rows]
    out.append(Section("Table 10.2: Last 5 reports for each type of focus visit",
                       ["Topic", "Authority", "URN", "Visit start", "Visit end", "Published", "Grade at visit",
                        "Priority action", "Report"], recent))
    out.append(_grid("Table 10.3: Focus visits by year and type", "Year", t["table_10_3"]))
    t4 = t["table_10_4"]
    counts = [[f"Exactly {_times(int(n))}", str(v)] for n, v in t4["exactly"].items()]
    counts += [[f"At least {_times(int(n))}", str(v)] for n, v in t4["at_least"].items()]
    out.append(Section(f"Table 10.4: Focus visits - more analysis as at {as_at}",
                       ["Number of authorities", ""], counts))
    out.append(Section("No visit yet", ["Authority"], [[name] for name in t4["no_visit_yet"]]))
    out.append(Section("Grade at time of visit since 1/1/2018",
                       ["Grade", "% of authority-days at this grade", "% of focus visits"],
                       [[GRADE_LABELS.get(g, g), f"{s['authority_days_percent']}%", f"{s['visits_percent']}%"]
                        for g, s in t4["grade_share"].items()]))
    n = t["notes"]
    out.append(Section("Notes", ["Note", "Value"], [
        ["Visits with priority actions", f"{n['priority_actions']} ({n['priority_actions_percent']}% of all visits)"],
        *[["PDMOC visit", f"{p['authority']}, {p['visit_start'][:7]}"] for p in n["pdmoc"]],
        ["Covid visits", f"{n['covid_visits']}, of which {n['covid_visits_to_inadequate']} to inadequate authorities"],
    ]))
    return out


def as_text(t: dict[str, Any]) -> str:
    """Aligned plain-text tables."""
    blocks = []
    for s in sections(t):
        widths = [max(len(str(row[i])) for row in [s.header, *s.rows]) for i in range(len(s.header))]
        lines = [s.title, "  ".join(h.ljust(w) for h, w in zip(s.header, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in s.rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def as_markdown(t: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown tables."""
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")
    blocks = []
    for s in sections(t):
        lines = [f"### {s.title}", "", "| " + " | ".join(map(esc, s.header)) + " |",
                 "|" + "---|" * len(s.header)]
        lines += ["| " + " | ".join(map(esc, row)) + " |" for row in s.rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def as_csv(t: dict[str, Any]) -> str:
    """One CSV: each table's title on a line of its own, its header and rows, then a blank line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for s in sections(t):
        writer.writerow([s.title])
        writer.writerow(s.header)
        writer.writerows(s.rows)
        writer.writerow([])
    return buf.getvalue()


def as_html(t: dict[str, Any]) -> str:
    """HTML tables (a fragment; the web page wraps it)."""
    parts = []
    for s in sections(t):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in s.header)
        body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in s.rows)
        parts.append(f"<table><caption>{html.escape(s.title)}</caption><thead><tr>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    return "\n".join(parts) + "\n"


def _cell(value: str) -> str:
    if value.startswith(("https://", "http://")):
        return f'<a href="{html.escape(value)}">report</a>'
    return html.escape(value)


def render(t: dict[str, Any], fmt: str) -> str:
    """The tables in one of FORMATS."""
    if fmt == "json":
        return json.dumps(t, indent=2) + "\n"
    return {"text": as_text, "md": as_markdown, "csv": as_csv, "html": as_html}[fmt](t)
