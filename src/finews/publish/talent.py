"""The talent-flow page: executive moves as a table and a chart, drawn as inline SVG (no script, no CDN)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..enrich.tickers import real_organization

BAR_WIDTH, GAP, HEIGHT, LABEL = 28, 8, 160, 40


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str  # the organization
    count: int


def organizations_chart(moves: list[dict], top: int = 12) -> dict[str, object]:
    """Departures per organization left, largest first: bar geometry for the template's SVG.

    Archives written before organizations were checked can hold a piece of a sentence as one
    (招商蛇口已将其浙江公司); such a move stays in the table but draws no bar."""
    named = (m["org_key"] or m["org"] for m in moves)
    counts = Counter(org for org in named if org and real_organization(org)).most_common(top)
    peak = max((c for _, c in counts), default=1)
    bars = []
    for index, (org, count) in enumerate(counts):
        height = max(4, round(HEIGHT * count / peak))
        bars.append(Bar(index * (BAR_WIDTH + GAP), HEIGHT - height, height, org, count))
    width = max(1, len(bars) * (BAR_WIDTH + GAP))
    return {"bars": bars, "width": width, "height": HEIGHT + LABEL, "base": HEIGHT, "bar_width": BAR_WIDTH}
