"""Figures of timing: effects month by month with their bands, Kaplan-Meier curves.

Hand-written SVG through :class:`~trustexp.reporting.canvas.Canvas`, like
:mod:`trustexp.reporting.figures`; values that the gate withheld arrive as
None and break lines and bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trustexp.reporting.canvas import Canvas, text_width
from trustexp.reporting.figures import FIG_WIDTH, GRID, MUTED, ArmStyle, nice_ticks

__all__ = ["KMSeries", "PathPanel", "PathPoint", "km_chart", "path_chart"]

IN_TRIAL = "#f0f0f0"
BAND = "#c6dbef"
POINTWISE = "#6baed6"


@dataclass(frozen=True, slots=True)
class PathPoint:
    """One month of an arm's path: estimate, pointwise interval, simultaneous band (or None)."""

    month: int
    estimate: float | None
    low: float | None
    high: float | None
    band_low: float | None
    band_high: float | None


@dataclass(frozen=True, slots=True)
class PathPanel:
    """One arm's path."""

    title: str
    style: ArmStyle
    points: tuple[PathPoint, ...]


def _ok(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _scaled(v: float | None, scale: float) -> float | None:
    return float(v) * scale if v is not None and math.isfinite(v) else None


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for x, y in points:
        if y is None or not math.isfinite(y):
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    return runs


def _band(canvas: Canvas, xs: Sequence[float], lows: Sequence[float | None],
          highs: Sequence[float | None], sy, fill: str) -> None:
    """Filled areas between ``lows`` and ``highs`` where both are known."""
    seg: list[tuple[float, float, float]] = []
    for x, lo, hi in [*zip(xs, lows, highs, strict=True), (math.nan, None, None)]:
        if _ok(lo) and _ok(hi):
            seg.append((x, float(lo), float(hi)))  # type: ignore[arg-type]
            continue
        if len(seg) >= 2:
            pts = [(a, sy(h)) for a, _, h in seg] + [(a, sy(lo_)) for a, lo_, _ in reversed(seg)]
            canvas.polygon(pts, fill=fill)
        elif len(seg) == 1:
            a, lo_, h = seg[0]
            canvas.line(a, sy(lo_), a, sy(h), stroke=fill, width=4)
        seg = []


def path_chart(
    panels: Sequence[PathPanel], *, treatment_months: int | None, x_label: str, y_label: str,
    in_label: str, after_label: str, legend: tuple[str, str, str], scale: float, fmt_tick,
    width: float = FIG_WIDTH, panel_height: float = 100,
) -> Canvas:
    """The effect of each arm by month: estimate, pointwise interval, simultaneous band.

    One panel per arm, up to three in a row, one shared y axis; a zero line; the months of the trial
    shaded, the months after it not. ``scale`` multiplies values for display
    (100 for shares shown in percentage points). ``legend`` labels the
    estimate, the pointwise interval and the band.
    """
    size = 12.0
    vals = [float(v) * scale for p in panels for q in p.points
            for v in (q.band_low, q.band_high, q.low, q.high, q.estimate) if v is not None
            and math.isfinite(v)]
    lo, hi = min([*vals, 0.0]), max([*vals, 0.0])
    if hi - lo <= 0:
        hi, lo = lo + 1.0, lo - 1.0
    ticks = nice_ticks(lo, hi, 5)
    y_min, y_max = ticks[0], ticks[-1]
    months = [q.month for p in panels for q in p.points]
    m0, m1 = (min(months), max(months)) if months else (1, 2)
    if m1 == m0:
        m1 = m0 + 1
    # panels side by side, up to three in a row, on one shared y axis
    ncol = max(1, min(3, len(panels)))
    nrow = -(-len(panels) // ncol)
    gap = 18.0
    left0, right0 = 64.0, width - 16
    panel_width = (right0 - left0 - gap * (ncol - 1)) / ncol
    titles = [_wrap(p.title, panel_width, size) for p in panels]
    title_lines = max([len(t) for t in titles] or [1])
    title_height = 15.0 * title_lines
    row_height = title_height + panel_height + 34
    top0 = 48.0
    height = top0 + nrow * row_height + 30
    canvas = Canvas(width, height)
    # legend
    x = left0
    for text, kind in zip(legend, ("line", "pointwise", "band"), strict=True):
        if kind == "line":
            canvas.line(x, 14, x + 26, 14, stroke="#1a1a1a", width=2)
        else:
            canvas.rect(x, 8, 26, 12, fill=POINTWISE if kind == "pointwise" else BAND, stroke=None)
        canvas.text(x + 32, 18, text, size=size)
        x += 48 + text_width(text, size)
    canvas.rect(x, 8, 26, 12, fill=IN_TRIAL, stroke=None)
    canvas.text(x + 32, 18, in_label, size=size)

    for i, panel in enumerate(panels):
        row, col = divmod(i, ncol)
        left = left0 + col * (panel_width + gap)
        right = left + panel_width
        top = top0 + row * row_height + title_height + 6
        bottom = top + panel_height

        def sx(m: float, left: float = left, right: float = right) -> float:
            return left + (m - m0 + 0.5) / (m1 - m0 + 1) * (right - left)

        def sy(v: float, top: float = top, bottom: float = bottom) -> float:
            return bottom - (v - y_min) / (y_max - y_min) * (bottom - top)

        for k, line in enumerate(titles[i]):
            canvas.text(left, top - 8 - 15 * (len(titles[i]) - 1 - k), line, size=size, bold=True)
        if treatment_months is not None and treatment_months >= m0:
            end = min(treatment_months, m1)
            canvas.rect(left, top, sx(end + 0.5) - left, bottom - top, fill=IN_TRIAL, stroke=None)
            if treatment_months < m1 and col == ncol - 1:
                canvas.text(sx(end + 0.5) + 4, top + 14, after_label, size=11, fill=MUTED)
        for t in ticks:
            canvas.line(left, sy(t), right, sy(t), stroke=GRID)
            if col == 0:
                canvas.text(left - 6, sy(t) + 4,
                            fmt_tick(t, 0 if abs(y_max - y_min) >= 5 else 1),
                            size=11, anchor="end", fill=MUTED)
        xs = [sx(q.month) for q in panel.points]
        _band(canvas, xs, [_scaled(q.band_low, scale) for q in panel.points],
              [_scaled(q.band_high, scale) for q in panel.points], sy, BAND)
        _band(canvas, xs, [_scaled(q.low, scale) for q in panel.points],
              [_scaled(q.high, scale) for q in panel.points], sy, POINTWISE)
        canvas.line(left, sy(0.0), right, sy(0.0), stroke="#1a1a1a", width=1, dash=(4, 3))
        pts = [(sx(q.month), None if (e := _scaled(q.estimate, scale)) is None else sy(e))
               for q in panel.points]
        for run in _runs(pts):
            canvas.polyline(run, stroke=panel.style.colour, width=2, dash=panel.style.dash)
        canvas.line(left, bottom, right, bottom, stroke=MUTED)
        canvas.line(left, top, left, bottom, stroke=MUTED)
        step = 3 if (m1 - m0) * ncol <= 30 else 6 if (m1 - m0) * ncol <= 60 else 12
        for m in range(m0, m1 + 1):
            if m % step == 0:
                canvas.line(sx(m), bottom, sx(m), bottom + 4, stroke=MUTED)
                canvas.text(sx(m), bottom + 16, fmt_tick(m, 0), size=11, anchor="middle",
                            fill=MUTED)
    left, right = left0, right0
    canvas.text((left + right) / 2, height - 8, x_label, size=size, anchor="middle")
    canvas.text(8, 42, y_label, size=11, fill=MUTED)
    return canvas


def _wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken at spaces into bold lines no wider than ``width`` (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size, bold=True) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True, slots=True)
class KMSeries:
    """One arm's Kaplan-Meier curve: (month, survival, low, high) and numbers at risk."""

    label: str
    style: ArmStyle
    points: tuple[tuple[int, float | None, float | None, float | None], ...]
    at_risk: tuple[tuple[int, str], ...]


def km_chart(series: Sequence[KMSeries], *, x_label: str, y_label: str, risk_label: str,
             fmt_tick, width: float = FIG_WIDTH, height: float = 210) -> Canvas:
    """Kaplan-Meier curves (steps) with pointwise bands, and a table of numbers at risk."""
    size = 12.0
    entries, x, y = [], 12.0, 18.0
    for s in series:
        w = 40 + text_width(s.label, size)
        if x + w > width - 12 and x > 12:
            x, y = 12.0, y + 20
        entries.append((s, x, y))
        x += w + 16
    top = y + 26
    left, right = 190.0, width - 16
    bottom = top + height - 40
    risk_top = bottom + 44
    canvas = Canvas(width, risk_top + 20 * (len(series) + 1) + 10)
    for s, lx, ly in entries:
        canvas.line(lx, ly - 4, lx + 30, ly - 4, stroke=s.style.colour, width=2, dash=s.style.dash)
        canvas.text(lx + 38, ly, s.label, size=size)
    months = [m for s in series for m, *_ in s.points]
    m1 = max(months, default=1)
    vals = [float(v) for s in series for _, a, b, c in s.points for v in (a, b, c)
            if v is not None and math.isfinite(v)]
    floor = min(vals, default=0.0)
    ticks = [t / 100 for t in nice_ticks(100 * max(0.0, floor - 0.02), 100.0, 5)]
    y_min, y_max = ticks[0], ticks[-1]

    def sx(m: float) -> float:
        return left + m / m1 * (right - left)

    def sy(v: float) -> float:
        return bottom - (v - y_min) / (y_max - y_min) * (bottom - top)

    for t in ticks:
        canvas.line(left, sy(t), right, sy(t), stroke=GRID)
        canvas.text(left - 6, sy(t) + 4, fmt_tick(100 * t, 0), size=11, anchor="end", fill=MUTED)
    for s in series:
        steps_lo: list[float | None] = []
        steps_hi: list[float | None] = []
        xs: list[float] = []
        line: list[tuple[float, float | None]] = [(sx(0), sy(1.0))]
        prev: float | None = 1.0
        for m, v, lo_, hi_ in s.points:
            xs += [sx(m - 1), sx(m)]
            steps_lo += [lo_, lo_]
            steps_hi += [hi_, hi_]
            if _ok(v):
                if prev is not None:
                    line.append((sx(m), sy(prev)))
                line.append((sx(m), sy(float(v))))  # type: ignore[arg-type]
                prev = float(v)  # type: ignore[arg-type]
            else:
                line.append((sx(m), None))
                prev = None
        fill = s.style.colour + "33" if s.style.colour.startswith("#") and len(s.style.colour) == 7 else GRID
        _band(canvas, xs, steps_lo, steps_hi, sy, fill)
        for run in _runs(line):
            canvas.polyline(run, stroke=s.style.colour, width=2, dash=s.style.dash)
    canvas.line(left, bottom, right, bottom, stroke=MUTED)
    canvas.line(left, top, left, bottom, stroke=MUTED)
    step = 3 if m1 <= 30 else 6
    for m in range(0, m1 + 1, step):
        canvas.line(sx(m), bottom, sx(m), bottom + 4, stroke=MUTED)
        canvas.text(sx(m), bottom + 16, fmt_tick(m, 0), size=11, anchor="middle", fill=MUTED)
    canvas.text((left + right) / 2, bottom + 32, x_label, size=size, anchor="middle")
    canvas.text(12, top - 6, y_label, size=11, fill=MUTED)
    canvas.text(12, risk_top, risk_label, size=11, bold=True)
    for i, s in enumerate(series, start=1):
        yy = risk_top + 20 * i
        canvas.text(12, yy, s.label if len(s.label) < 28 else s.label[:26] + "…", size=11,
                    fill=s.style.colour)
        for m, text in s.at_risk:
            if 0 <= m - 1 <= m1:
                canvas.text(sx(m - 1), yy, text, size=11, anchor="middle", fill=MUTED)
    return canvas
