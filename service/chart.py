"""The chart of visits by year and topic: an inline SVG drawn on the server (no script, no network)."""
from __future__ import annotations

from html import escape

from events.vocabulary import TOPICS

# Okabe-Ito: eight colours that colour-blind readers can tell apart, one per topic
COLOURS = dict(zip(TOPICS, ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"],
                   strict=True))
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 40, 170, 20, 30  # room for the axis, the legend and the years


def _ticks(top: int) -> list[int]:
    """Round steps from 0 to the first one at or above `top`, at most six of them."""
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000) if top / s <= 6), top)
    return list(range(0, -(-top // step) * step + 1, step))


def visits_by_year(table_10_3: dict[str, dict[str, int]]) -> str:
    """Stacked bars of table 10.3 (a bar a year, a segment a topic), with axis, legend and tooltips."""
    years = sorted(y for y in table_10_3 if y != "Total")
    top = max([table_10_3[y]["Total"] for y in years] + [1])
    ticks = _ticks(top)
    scale = (HEIGHT - TOP - BOTTOM) / ticks[-1]
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(years), 1)
    base = HEIGHT - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title">',
             '<title id="chart-title">Focus visits by year and topic</title>']
    for t in ticks:
        y = base - t * scale
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{t}</text>')
    for i, year in enumerate(years):
        x = LEFT + i * slot + slot * 0.15
        y = float(base)
        for topic in TOPICS:
            n = table_10_3[year][topic]
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[topic]}" data-topic="{escape(topic)}" data-year="{escape(year)}">'
                         f'<title>{escape(year)} {escape(topic)}: {n}</title></rect>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{base + 18}" text-anchor="middle">{escape(year)}</text>')
    for i, (topic, words) in enumerate(TOPICS.items()):
        y = TOP + i * 22
        x = WIDTH - RIGHT + 16
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[topic]}"/>'
                     f'<text x="{x + 20}" y="{y + 12}"><title>{escape(words)}</title>{escape(topic)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
