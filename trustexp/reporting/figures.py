"""The report's figures: coefficient plots, forest plots, monthly curves, participant flow.

Each builder takes plain, already disclosure-controlled values (labels, numbers,
display text) and returns a :class:`~trustexp.reporting.canvas.Canvas`. Colours
come from the Okabe-Ito palette, which stays distinguishable with the common
forms of colour blindness, and no figure relies on colour alone: every arm also
has its own marker and line dash, and every series is named in a legend or a
row label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from trustexp.reporting.canvas import Canvas, text_width, wrap

__all__ = [
    "ArmStyle",
    "CoefRow",
    "FlowBox",
    "FlowColumn",
    "Series",
    "arm_styles",
    "coefficient_plot",
    "flow_diagram",
    "forest_plot",
    "monthly_chart",
    "nice_ticks",
]

TEXT = "#1a1a1a"
MUTED = "#595959"  # 7:1 on white
RULE = "#bfbfbf"
GRID = "#e6e6e6"
#: Okabe-Ito, darkest first; black is the control arm.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKERS = ("square", "triangle", "diamond", "down", "cross", "circle")
DASHES: tuple[tuple[float, ...] | None, ...] = ((7, 3), (2, 2.5), (9, 3, 2, 3), (4, 4), (12, 3), (1, 3))
REFERENCE_COLOUR = "#6b6b6b"  # 5.3:1 on white
#: Width of every figure in CSS pixels (it scales down to the page).
FIG_WIDTH = 672.0  # the A4 text width at 96 px per inch: printed at full size, text >= 8 pt


@dataclass(frozen=True, slots=True)
class ArmStyle:
    """How one arm is drawn everywhere in the report."""

    colour: str
    marker: str
    dash: tuple[float, ...] | None
    reference: bool = False


def arm_styles(arm_ids: Sequence[str], control: str, reference: Sequence[str]) -> dict[str, ArmStyle]:
    """Assign a colour, marker and dash to each arm: control black and solid, reference grey."""
    styles: dict[str, ArmStyle] = {}
    i = 0
    for arm in arm_ids:
        if arm == control:
            styles[arm] = ArmStyle("#000000", "circle", None)
        elif arm in reference:
            styles[arm] = ArmStyle(REFERENCE_COLOUR, "circle", (2, 3), reference=True)
        else:
            k = i % len(PALETTE)
            styles[arm] = ArmStyle(PALETTE[k], MARKERS[k], DASHES[k])
            i += 1
    return styles


#: Axis values beyond this magnitude are drawn at the edge (a float axis cannot span more).
AXIS_LIMIT = 1e300


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], about ``target`` of them (always at least two, distinct).

    A range that is empty, not finite, beyond :data:`AXIS_LIMIT` or too narrow
    to tell its ends apart in floating point is widened around its centre.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = -1.0, 1.0
    lo, hi = max(min(lo, hi), -AXIS_LIMIT), min(max(lo, hi), AXIS_LIMIT)
    scale = max(abs(lo), abs(hi))
    if hi - lo <= scale * 1e-9 or hi - lo < 1e-280:
        centre = (lo + hi) / 2
        half = abs(centre) * 0.1 if abs(centre) > 1e-280 else 1.0
        lo, hi = centre - half, centre + half
    raw = (hi - lo) / max(target - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9)
    ticks: list[float] = []
    k = first
    while k * step <= hi + step * 1e-6 or len(ticks) < 2:
        ticks.append(float(f"{k * step:.12g}"))
        k += 1
    if ticks[-1] < hi - step * 1e-9:
        ticks.append(float(f"{k * step:.12g}"))
    return ticks


def _tick_digits(ticks: Sequence[float]) -> int:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    while digits < 6 and abs(round(step, digits) - step) > 1e-9 * step:
        digits += 1
    return digits


# ---------------------------------------------------------------------------
# Coefficient and forest plots
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoefRow:
    """One row of a coefficient or forest plot.

    ``estimate`` is ``None`` when the estimate is missing or suppressed; ``text``
    is what the right-hand column shows (the estimate and interval, or a dash).
    """

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    text: str
    style: ArmStyle | None = None
    pooled: bool = False
    heading: bool = False
    #: A random-effects summary: a diamond spanning the interval, and the
    #: prediction interval (``pi_low``..``pi_high``) as a dashed line.
    diamond: bool = False
    pi_low: float | None = None
    pi_high: float | None = None


@dataclass(frozen=True, slots=True)
class Panel:
    """A block of rows sharing one axis: one outcome in a coefficient plot."""

    title: str
    rows: tuple[CoefRow, ...]
    tick_format: object = None  # callable(float, digits) -> str


def _interval_extent(rows: Sequence[CoefRow]) -> tuple[float, float]:
    values = [0.0]
    for r in rows:
        for v in (r.estimate, r.low, r.high, r.pi_low, r.pi_high):
            if v is not None and math.isfinite(v):
                values.append(v)
    lo, hi = max(min(values), -AXIS_LIMIT), min(max(values), AXIS_LIMIT)
    pad = (hi - lo) * 0.05 or 1.0
    return lo - pad, hi + pad


def _panels(
    panels: Sequence[Panel], fmt_tick, *, width: float = FIG_WIDTH, label_max: float = 280,
) -> Canvas:
    """Lay out panels of rows (label | interval plot | text) on one canvas."""
    size = 12.0
    all_rows = [r for p in panels for r in p.rows]
    label_w = min(label_max, max([text_width(r.label, size, bold=r.heading) for r in all_rows] + [60]))
    text_w = max([text_width(r.text, size, bold=r.pooled) for r in all_rows] + [60])
    left = 12 + label_w + 14
    right = width - text_w - 22
    row_h = 20.0
    y = 8.0
    layout = []
    for p in panels:
        title_lines = wrap(p.title, width - 24, 13, bold=True) if p.title else []
        y_title = y + 14 if title_lines else y
        y = y + len(title_lines) * 16.5 + (6 if title_lines else 0)
        rows = []
        for r in p.rows:
            lines = wrap(r.label, label_w, size, bold=r.heading)
            h = max(row_h, len(lines) * 15 + 7)
            rows.append((r, lines, y, h))
            y += h
        y_axis = y + 4
        y = y_axis + 28
        layout.append((p, title_lines, y_title, rows, y_axis))
    canvas = Canvas(width, y + 2)
    for p, title_lines, y_title, rows, y_axis in layout:
        if title_lines:
            canvas.lines(12, y_title, title_lines, size=13, bold=True, leading=1.27, full=p.title)
        lo, hi = _interval_extent(p.rows)
        ticks = nice_ticks(lo, hi)
        t0, t1 = ticks[0], ticks[-1]

        def sx(v: float, t0: float = t0, t1: float = t1) -> float:
            share = (min(max(v, t0), t1) - t0) / (t1 - t0)
            return left + share * (right - left)

        top = rows[0][2] if rows else y_axis
        for t in ticks:
            canvas.line(sx(t), top, sx(t), y_axis, stroke=GRID)
        canvas.line(sx(0), top, sx(0), y_axis, stroke=MUTED, width=1.2)
        canvas.line(left, y_axis, right, y_axis, stroke=MUTED)
        digits = _tick_digits(ticks)
        for t in ticks:
            canvas.line(sx(t), y_axis, sx(t), y_axis + 4, stroke=MUTED)
            canvas.text(sx(t), y_axis + 17, fmt_tick(t, digits), size=11, anchor="middle", fill=MUTED)
        for r, lines, ry, h in rows:
            mid = ry + h / 2
            first = mid + 4 - (len(lines) - 1) * 15 / 2
            canvas.lines(12, first, lines, size=size, bold=r.heading or r.pooled, leading=1.25,
                         full=r.label)
            if r.heading:
                continue
            canvas.text(width - 12, mid + 4, r.text, size=size, anchor="end",
                        bold=r.pooled)
            if r.estimate is None or not math.isfinite(r.estimate):
                continue
            style = r.style or ArmStyle(TEXT, "circle", None)
            if r.diamond:
                _diamond(canvas, sx, r, mid, style.colour)
                continue
            if r.low is not None and r.high is not None and math.isfinite(r.low) and math.isfinite(r.high):
                canvas.line(sx(r.low), mid, sx(r.high), mid, stroke=style.colour, width=2)
                for v in (r.low, r.high):
                    canvas.line(sx(v), mid - 5, sx(v), mid + 5, stroke=style.colour, width=2)
            if r.pooled:
                x = sx(r.estimate)
                canvas.polygon([(x, mid - 7), (x + 7, mid), (x, mid + 7), (x - 7, mid)],
                               fill=style.colour, stroke="#ffffff")
            else:
                canvas.marker(sx(r.estimate), mid, style.marker, size=5, fill=style.colour,
                              stroke="#ffffff")
    return canvas


def _finite_or_none(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _diamond(canvas: Canvas, sx, r: CoefRow, mid: float, colour: str) -> None:
    """A random-effects summary: the prediction interval dashed, the interval as a diamond."""
    if _finite_or_none(r.pi_low) and _finite_or_none(r.pi_high):
        canvas.line(sx(r.pi_low), mid, sx(r.pi_high), mid, stroke=colour, width=1.5, dash=(4, 3))
        for v in (r.pi_low, r.pi_high):
            canvas.line(sx(v), mid - 4, sx(v), mid + 4, stroke=colour, width=1.5)
    assert r.estimate is not None
    lo = r.low if _finite_or_none(r.low) else r.estimate
    hi = r.high if _finite_or_none(r.high) else r.estimate
    x = sx(r.estimate)
    canvas.polygon([(sx(lo), mid), (x, mid - 7), (sx(hi), mid), (x, mid + 7)],
                   fill=colour, stroke="#ffffff")


def coefficient_plot(panels: Sequence[Panel], fmt_tick) -> Canvas:
    """Effects of each arm with confidence intervals, one panel (own axis) per outcome.

    Parameters
    ----------
    panels
        One :class:`Panel` per outcome; its rows are the arms.
    fmt_tick
        ``fmt_tick(value, digits) -> str`` formats axis labels in the report's locale.
    """
    return _panels(panels, fmt_tick)


def forest_plot(rows: Sequence[CoefRow], fmt_tick) -> Canvas:
    """Per-site estimates and the pooled estimate (diamond) for one outcome, on one axis."""
    return _panels([Panel(title="", rows=tuple(rows))], fmt_tick)


# ---------------------------------------------------------------------------
# Monthly curves
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """A line of a monthly chart: ``points`` are (month, share in 0..1 or None)."""

    label: str
    style: ArmStyle
    points: tuple[tuple[int, float | None], ...]


def monthly_chart(
    series: Sequence[Series], *, x_label: str, y_label: str, zero_label: str, fmt_tick,
    width: float = FIG_WIDTH, height: float = 250,
) -> Canvas:
    """Shares by month since randomisation, one line per arm, with a legend.

    Lines break where a point is ``None`` (suppressed). Markers sit on every
    third month so that lines differ without colour; the reference group is grey
    and dotted.
    """
    size = 12.0
    # Legend: entries flow left to right, wrapping.
    entries = []
    x, y = 12.0, 18.0
    for s in series:
        w = 40 + text_width(s.label, size)
        if x + w > width - 12 and x > 12:
            x, y = 12.0, y + 20
        entries.append((s, x, y))
        x += w + 16
    top = y + 40
    left, right, bottom = 58.0, width - 16, top + height - 50
    canvas = Canvas(width, top + height)
    for s, lx, ly in entries:
        canvas.line(lx, ly - 4, lx + 30, ly - 4, stroke=s.style.colour, width=2, dash=s.style.dash)
        canvas.marker(lx + 15, ly - 4, s.style.marker, size=4, fill=s.style.colour, stroke="#ffffff")
        canvas.text(lx + 38, ly, s.label, size=size)
    months = [m for s in series for m, _ in s.points]
    if not months:
        return canvas
    m0, m1 = min(months + [0]), max(months + [1])

    def sx(m: float) -> float:
        return left + (m - m0) / (m1 - m0) * (right - left)

    # The axis covers the data: from 0 for low shares, else from just below the lowest
    # share, so that differences between arms near 100% stay visible.
    values = [v for s in series for _, v in s.points if v is not None and math.isfinite(v)]
    lo, hi = min(values + [1.0]), max(values + [0.05])
    floor = 0.0 if lo < 0.3 else max(0.0, lo - 0.03)
    y_ticks = [t / 100 for t in nice_ticks(100 * floor, 100 * min(1.0, hi + 0.01), 5)]
    y_min, y_max = y_ticks[0], y_ticks[-1]

    def sy(v: float) -> float:
        return bottom - (v - y_min) / (y_max - y_min) * (bottom - top)

    for t in y_ticks:
        canvas.line(left, sy(t), right, sy(t), stroke=GRID)
        canvas.text(left - 6, sy(t) + 4, fmt_tick(100 * t, 0), size=11, anchor="end", fill=MUTED)
    step = 3 if (m1 - m0) <= 30 else 6
    for m in range(m0, m1 + 1):
        if m % step == 0:
            canvas.line(sx(m), bottom, sx(m), bottom + 4, stroke=MUTED)
            canvas.text(sx(m), bottom + 17, fmt_tick(m, 0), size=11, anchor="middle", fill=MUTED)
    canvas.line(left, bottom, right, bottom, stroke=MUTED)
    canvas.line(left, top, left, bottom, stroke=MUTED)
    canvas.line(sx(0), top, sx(0), bottom, stroke=MUTED, dash=(3, 3))
    canvas.text(sx(0), top - 6, zero_label, size=11, anchor="middle", fill=MUTED)
    canvas.text((left + right) / 2, bottom + 36, x_label, size=size, anchor="middle")
    canvas.text(12, top - 22, y_label, size=11, fill=MUTED)
    for s in series:
        run: list[tuple[float, float]] = []
        runs = []
        for m, v in sorted(s.points):
            if v is None or not math.isfinite(v):
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((sx(m), sy(v)))
        if run:
            runs.append(run)
        for r in runs:
            canvas.polyline(r, stroke=s.style.colour, width=2, dash=s.style.dash)
        for m, v in s.points:
            if v is not None and math.isfinite(v) and m % 3 == 0:
                canvas.marker(sx(m), sy(v), s.style.marker, size=3.6, fill=s.style.colour,
                              stroke="#ffffff")
    return canvas


# ---------------------------------------------------------------------------
# Participant flow (CONSORT)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowBox:
    """A box of the flow diagram: a bold first line, then plain lines."""

    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlowColumn:
    """One arm's column: its allocation box, then one box per outcome family."""

    allocation: FlowBox
    boxes: tuple[FlowBox, ...] = ()
    style: ArmStyle | None = None
    reference: bool = False


@dataclass
class _Measured:
    box: FlowBox
    title: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def height(self) -> float:
        return 10 + 15 * len(self.title) + 14.5 * len(self.lines) + 4


def flow_diagram(top: FlowBox, columns: Sequence[FlowColumn], *, reference_label: str) -> Canvas:
    """A CONSORT-style flow: randomised -> allocated per arm -> analysed/missing per family.

    Reference groups (not randomised) get their own dashed columns on the right,
    with no arrow from the randomisation box, under a heading ``reference_label``.
    """
    randomised = [c for c in columns if not c.reference]
    reference = [c for c in columns if c.reference]
    n_cols = max(len(randomised) + len(reference), 1)
    col_w = 116.0  # five columns fit the A4 text width (FIG_WIDTH) at full size
    gap = 10.0
    extra = 26.0 if reference else 0.0
    width = max(FIG_WIDTH, 24 + n_cols * col_w + (n_cols - 1) * gap + extra)
    col_w = min(230.0, (width - 24 - (n_cols - 1) * gap - extra) / n_cols)
    used = n_cols * col_w + (n_cols - 1) * gap + extra
    x0 = (width - used) / 2
    inner = col_w - 20

    def measure(box: FlowBox, w: float) -> _Measured:
        m = _Measured(box)
        m.title = wrap(box.title, w, 12, bold=True, max_lines=5)
        for line in box.lines:
            indent = line.startswith("\t")
            pieces = wrap(line.lstrip("\t"), w - (10 if indent else 0), 11.5, max_lines=3)
            m.lines.extend(("\t" if indent else "") + piece for piece in pieces)
        return m

    top_m = measure(top, 260)
    top_w = max(200.0, max(text_width(t, 12, bold=True) for t in top_m.title + top_m.lines) + 30)
    xs = [x0 + i * (col_w + gap) + (extra if i >= len(randomised) else 0) for i in range(n_cols)]
    ordered = [*randomised, *reference]
    alloc = [measure(c.allocation, inner) for c in ordered]
    n_rows = max((len(c.boxes) for c in ordered), default=0)
    rows = [
        [measure(c.boxes[r], inner) if r < len(c.boxes) else None for c in ordered]
        for r in range(n_rows)
    ]
    ref_lines = (wrap(reference_label, width - 12 - (xs[len(randomised)] if reference else 0), 11.5)
                 if reference else [])
    y_top = 10.0 + 15 * len(ref_lines) + (8 if ref_lines else 0)
    y_alloc = y_top + top_m.height + 34
    h_alloc = max(m.height for m in alloc)
    y = y_alloc + h_alloc + 24
    row_y = []
    for row in rows:
        row_y.append(y)
        y += max(m.height for m in row if m is not None) + 24
    canvas = Canvas(width, y - 10)

    def draw(m: _Measured, x: float, y: float, w: float, h: float, *, dashed: bool,
             accent: str | None) -> None:
        canvas.rect(x, y, w, h, fill="#ffffff", stroke=MUTED if dashed else TEXT, width=1,
                    dash=(5, 3) if dashed else None, radius=3)
        if accent:
            canvas.rect(x, y, 5, h, fill=accent, stroke=None)
        yy = y + 19
        for t in m.title:
            canvas.text(x + 10, yy, t, size=12, bold=True)
            yy += 15
        for line in m.lines:
            indent = 10 if line.startswith("\t") else 0
            canvas.text(x + 10 + indent, yy - 1, line.lstrip("\t"), size=11.5,
                        fill=MUTED if indent else TEXT)
            yy += 14.5

    rand_mid = (xs[0] + xs[len(randomised) - 1] + col_w) / 2 if randomised else width / 2
    top_x = rand_mid - top_w / 2
    draw(top_m, top_x, y_top, top_w, top_m.height, dashed=False, accent=None)
    if reference:
        rx = xs[len(randomised)] - extra / 2
        canvas.line(rx, 6, rx, y - 16, stroke=RULE, dash=(4, 4))
        canvas.lines(xs[len(randomised)], 20, ref_lines, size=11.5, leading=1.3, italic=True,
                     fill=MUTED)
    for i, (c, m) in enumerate(zip(ordered, alloc, strict=True)):
        x = xs[i]
        if not c.reference:
            canvas.arrow(rand_mid, y_top + top_m.height, x + col_w / 2, y_alloc)
        accent = c.style.colour if c.style else None
        draw(m, x, y_alloc, col_w, h_alloc, dashed=c.reference, accent=accent)
        prev = y_alloc + h_alloc
        for r, row in enumerate(rows):
            box = row[i]
            if box is None:
                continue
            h = max(b.height for b in row if b is not None)
            canvas.arrow(x + col_w / 2, prev, x + col_w / 2, row_y[r])
            draw(box, x, row_y[r], col_w, h, dashed=c.reference, accent=None)
            prev = row_y[r] + h
    return canvas
