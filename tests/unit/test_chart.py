"""The chart of visits by year and topic, drawn as SVG."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from events.vocabulary import TOPICS
from service.chart import HEIGHT, TOP, visits_by_year

SVG = "{http://www.w3.org/2000/svg}"


def table(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    full = {year: {t: cells.get(t, 0) for t in TOPICS} | {"Total": sum(cells.values())} for year, cells in rows.items()}
    return full | {"Total": {t: sum(r[t] for r in full.values()) for t in [*TOPICS, "Total"]}}


def bars(svg: str) -> dict[tuple[str, str], float]:
    root = ET.fromstring(svg)
    return {(r.get("data-year"), r.get("data-topic")): float(r.get("height"))
            for r in root.iter(f"{SVG}rect") if r.get("data-year")}


def test_segments_are_in_proportion_and_the_tallest_bar_fits():
    svg = visits_by_year(table({"2018": {"FD": 30, "CL": 10}, "2019": {"FD": 15}}))
    heights = bars(svg)
    assert heights[("2018", "FD")] == pytest.approx(2 * heights[("2019", "FD")], abs=0.2)  # drawn to 0.1 px
    assert heights[("2018", "FD")] == pytest.approx(3 * heights[("2018", "CL")], abs=0.2)
    assert heights[("2018", "FD")] + heights[("2018", "CL")] <= HEIGHT - TOP
    assert ("2019", "CL") not in heights  # no empty segments
    assert "<title>2018 FD: 30</title>" in svg


def test_an_empty_log_draws_the_axis_and_the_legend_only():
    svg = visits_by_year(table({}))
    assert bars(svg) == {}
    assert all(f">{t}</text>" in svg for t in ("FD", "PDMOC", "C-19"))
    assert re.search(r">0</text>", svg)
