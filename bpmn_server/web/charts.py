"""Charts drawn on the server as inline SVG: no script, nothing loaded from elsewhere, within the pages'
content security policy. Each chart is an image with a title for assistive technology (`role="img"`,
`aria-labelledby`); the page puts the same figures in a table beside it, which screen readers read.

Three shapes: vertical bars (ageing), lines over the days of a window (throughput, cycle time), and
horizontal bars of a share per process (SLA adherence, exception rate). Colours come from classes in
app.css, so the charts follow the pages' theme.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 76, 26, 14, 34
# Round tops for an axis of durations (seconds): a minute to a month.
SPANS = (60, 300, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 86400, 2 * 86400, 4 * 86400,
         7 * 86400, 14 * 86400, 30 * 86400)


def _nice_top(value: float, durations: bool = False) -> float:
    """A round upper bound for an axis: 1, 2, 5 times a power of ten, at least `value`; for durations
    one of SPANS, so that the ticks read as whole minutes, hours or days."""
    if durations:
        return float(next((span for span in SPANS if span >= value), value))
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _svg(chart_id: str, title: str, body: list[str], width: int = WIDTH, height: int = HEIGHT) -> Markup:
    head = (f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(chart_id)}-title">{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 # nosec B704 - every value in it went through escape()


def _y_axis(top: float, fmt: Callable[[float], str], plot_h: float) -> list[str]:
    out = []
    for i in range(3):
        value = top * i / 2
        y = TOP + plot_h - plot_h * i / 2
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>')
    return out


def bars(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float],
         fmt: Callable[[float], str] = lambda v: f"{v:g}") -> Markup:
    """Vertical bars, one per label, each with its value above it."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max(values, default=0))
    body = _y_axis(top, fmt, plot_h)
    slot = plot_w / max(len(values), 1)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = LEFT + slot * i + slot * 0.15
        y = TOP + plot_h - h
        body.append(f'<rect class="bar bar-{i}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}">'
                    f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>'
                    f'<text class="value" x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                    f'{escape(fmt(value))}</text>'
                    f'<text class="label" x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle">{escape(label)}</text>')
    return _svg(chart_id, title, body)


def lines(chart_id: str, title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]],
          fmt: Callable[[float], str] = lambda v: f"{v:g}", durations: bool = False) -> Markup:
    """One line per series over the days (None: no point that day, the line breaks), with a legend.
    `durations`: the values are seconds (the axis takes round spans)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM - 14
    known = [v for _, values in series for v in values if v is not None]
    top = _nice_top(max(known, default=0), durations)
    body = _y_axis(top, fmt, plot_h)
    step = plot_w / max(len(days) - 1, 1)
    every = max(1, len(days) // 6)  # at most about seven day labels fit
    for i, day in enumerate(days):
        if i % every == 0 or i == len(days) - 1:
            body.append(f'<text class="label" x="{LEFT + step * i:.1f}" y="{TOP + plot_h + 16}" '
                        f'text-anchor="middle">{escape(day[5:])}</text>')
    for n, (name, values) in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            x, y = LEFT + step * i, TOP + plot_h - plot_h * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle class="point series-{n}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                        f'<title>{escape(name)} {escape(days[i])}: {escape(fmt(value))}</title></circle>')
        for run in runs:
            if len(run) > 1:
                body.append(f'<polyline class="line series-{n}" points="{" ".join(run)}"/>')
        lx = LEFT + n * 150
        body.append(f'<rect class="swatch series-{n}" x="{lx}" y="{HEIGHT - 14}" width="10" height="10"/>'
                    f'<text class="legend" x="{lx + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
    return _svg(chart_id, title, body)


def shares(chart_id: str, title: str, rows: Sequence[tuple[str, float | None]], bad: Callable[[float], bool]) -> Markup:
    """Horizontal bars of a share (0 to 1) per row label; a bar that `bad` flags is drawn as such."""
    row_h = 26
    height = TOP + row_h * max(len(rows), 1) + 20
    label_w = 150
    plot_w = WIDTH - label_w - RIGHT - 50
    body = [f'<line class="grid" x1="{label_w}" x2="{label_w}" y1="{TOP}" y2="{height - 20}"/>']
    for i, (label, share) in enumerate(rows):
        y = TOP + row_h * i
        shown = label if len(label) <= 22 else label[:21] + "…"
        body.append(f'<text class="label" x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(shown)}</text>')
        if share is None:
            body.append(f'<text class="value" x="{label_w + 4}" y="{y + 16}">–</text>')
            continue
        w = plot_w * max(0.0, min(1.0, share))
        kind = "bad" if bad(share) else "good"
        text = f"{share * 100:.1f} %"
        body.append(f'<rect class="share {kind}" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}">'
                    f'<title>{escape(label)}: {text}</title></rect>'
                    f'<text class="value" x="{label_w + w + 4:.1f}" y="{y + 16}">{text}</text>')
    return _svg(chart_id, title, body, height=height)
