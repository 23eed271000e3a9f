"""A tiny drawing surface with two outputs: inline SVG and PNG.

Figures are built once, as a list of shapes in pixel coordinates (origin at
the top left), and then written either as SVG (hand-written, fast, with the
accessibility attributes the report needs) or as PNG through matplotlib's Agg
renderer, shape by shape, so that both files show the same figure.
matplotlib is imported only when a PNG is asked for.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

__all__ = ["FONT_FAMILY", "MAX_LABEL_CHARS", "Canvas", "drawable", "shorten", "text_width", "wrap"]

FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Liberation Sans', sans-serif"
)
_PNG_FONTS = ["DejaVu Sans"]  # ships with matplotlib: the same PNG everywhere
#: Pixels per inch of the canvas; PNGs are written at twice this for sharpness.
_PX_PER_INCH = 100
_PT_PER_PX = 72 / _PX_PER_INCH


_NARROW = frozenset("iljtfrI.,;:!|' ")
_WIDE = frozenset("mwMW@%")
#: The longest text drawn in a figure; longer text is cut (with an ellipsis) and
#: the whole text kept in the element's ``<title>`` (a tooltip).
MAX_LABEL_CHARS = 300
# Characters that XML 1.0 cannot hold and fonts cannot draw.
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _em(c: str) -> float:
    # Widths of a wide sans-serif (DejaVu Sans); narrower fonts then fit with room.
    return 0.33 if c in _NARROW else 0.92 if c in _WIDE else 0.63


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimate the width in pixels of ``text`` at font ``size`` (a sans-serif font)."""
    return sum(map(_em, text)) * size * (1.1 if bold else 1.0)


def drawable(text: str) -> str:
    """``text`` without the control characters that SVG (XML) cannot hold, each shown as U+FFFD."""
    return _UNDRAWABLE.sub("\ufffd", text)


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _fit(text: str, width: float, scale: float, suffix: str = "") -> int:
    """The longest prefix length of ``text`` that fits ``width`` with ``suffix`` after it."""
    room = width / scale - sum(map(_em, suffix))
    used = 0.0
    for i, c in enumerate(text):
        used += _em(c)
        if used > room:
            return i
    return len(text)


def wrap(text: str, width: float, size: float, *, bold: bool = False, max_lines: int = 4) -> list[str]:
    """Break ``text`` at spaces into lines no wider than ``width`` pixels (estimated).

    A word wider than the line is cut into pieces that fit, each ending in a
    hyphen; beyond ``max_lines`` the last line ends in an ellipsis. The work is
    linear in the length of ``text`` (which is first cut to
    :data:`MAX_LABEL_CHARS`).
    """
    scale = size * (1.1 if bold else 1.0)
    words = []
    for word in shorten(text).split():
        # A word wider than the line is cut into pieces that fit, with a hyphen.
        while len(word) > 4 and text_width(word, size, bold=bold) > width:
            cut = max(_fit(word, width, scale, "-"), 2)
            words.append(word[:cut] + "-")
            word = word[cut:]
        words.append(word)
    if not words:
        return [""]
    lines: list[str] = []
    current, current_w = words[0], text_width(words[0], size, bold=bold)
    space = text_width(" ", size, bold=bold)
    for word in words[1:]:
        w = text_width(word, size, bold=bold)
        if current_w + space + w <= width:
            current, current_w = f"{current} {word}", current_w + space + w
        else:
            lines.append(current)
            current, current_w = word, w
    lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        last = rest[: max(_fit(rest, width, scale, "\u2026"), 1)]
        lines = [*lines[: max_lines - 1], last.rstrip() + "\u2026"]
    return lines


def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: str
    points: tuple[tuple[float, float], ...]
    stroke: str | None = None
    fill: str | None = None
    width: float = 1.0
    dash: tuple[float, ...] | None = None
    text: str = ""
    size: float = 12.0
    anchor: str = "start"
    bold: bool = False
    italic: bool = False
    radius: float = 0.0
    css: str | None = None
    full: str | None = None  # the whole text, when ``text`` is cut


@dataclass
class Canvas:
    """A figure under construction.

    Parameters
    ----------
    width, height
        Size in CSS pixels.
    """

    width: float
    height: float
    shapes: list[_Shape] = field(default_factory=list)

    # -- drawing -------------------------------------------------------------
    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = "#1a1a1a",
        width: float = 1.0, dash: Sequence[float] | None = None, css: str | None = None,
    ) -> None:
        """A straight line."""
        self.shapes.append(
            _Shape("line", ((x1, y1), (x2, y2)), stroke=stroke, width=width,
                   dash=tuple(dash) if dash else None, css=css)
        )

    def polyline(
        self, points: Sequence[tuple[float, float]], *, stroke: str = "#1a1a1a",
        width: float = 1.5, dash: Sequence[float] | None = None,
    ) -> None:
        """An open path through ``points``."""
        if len(points) >= 2:
            self.shapes.append(
                _Shape("polyline", tuple(points), stroke=stroke, width=width,
                       dash=tuple(dash) if dash else None)
            )

    def polygon(
        self, points: Sequence[tuple[float, float]], *, fill: str | None = "#1a1a1a",
        stroke: str | None = None, width: float = 1.0,
    ) -> None:
        """A closed, filled shape."""
        self.shapes.append(_Shape("polygon", tuple(points), stroke=stroke, fill=fill, width=width))

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill: str | None = None,
        stroke: str | None = "#1a1a1a", width: float = 1.0, dash: Sequence[float] | None = None,
        radius: float = 0.0,
    ) -> None:
        """A rectangle with its top-left corner at (x, y)."""
        self.shapes.append(
            _Shape("rect", ((x, y), (x + w, y + h)), stroke=stroke, fill=fill, width=width,
                   dash=tuple(dash) if dash else None, radius=radius)
        )

    def text(
        self, x: float, y: float, text: str, *, size: float = 12.0, anchor: str = "start",
        bold: bool = False, italic: bool = False, fill: str = "#1a1a1a",
    ) -> None:
        """Text with its baseline at ``y``; ``anchor`` is start, middle or end.

        Control characters show as U+FFFD; text longer than
        :data:`MAX_LABEL_CHARS` is cut, with the whole text as its SVG ``<title>``.
        """
        clean = drawable(text)
        shown = shorten(clean)
        self.shapes.append(
            _Shape("text", ((x, y),), fill=fill, text=shown, size=size, anchor=anchor,
                   bold=bold, italic=italic, full=clean if shown != clean else None)
        )

    def lines(
        self, x: float, y: float, lines: Sequence[str], *, size: float = 12.0,
        leading: float = 1.25, full: str | None = None, **kw: Any,
    ) -> float:
        """Several lines of text from baseline ``y`` down; return the last baseline.

        ``full`` is the text the lines were wrapped from: when they end in an
        ellipsis (the text was cut), it becomes the first line's ``<title>``.
        """
        for i, line in enumerate(lines):
            self.text(x, y + i * size * leading, line, size=size, **kw)
            if i == 0 and full and lines[-1].endswith("\u2026"):
                shape = self.shapes[-1]
                self.shapes[-1] = dataclasses.replace(shape, full=drawable(full))
        return y + (len(lines) - 1) * size * leading

    def marker(
        self, x: float, y: float, shape: str, *, size: float = 5.0, fill: str = "#1a1a1a",
        stroke: str | None = None,
    ) -> None:
        """A plot marker: circle, square, triangle, diamond, down (triangle) or cross."""
        s = size
        if shape == "circle":
            self.shapes.append(_Shape("circle", ((x, y),), fill=fill, stroke=stroke, radius=s))
            return
        shapes = {
            "square": [(-0.88, -0.88), (0.88, -0.88), (0.88, 0.88), (-0.88, 0.88)],
            "triangle": [(0, -1.2), (1.1, 0.85), (-1.1, 0.85)],
            "down": [(0, 1.2), (1.1, -0.85), (-1.1, -0.85)],
            "diamond": [(0, -1.25), (1.25, 0), (0, 1.25), (-1.25, 0)],
            "cross": [(-0.35, -1.1), (0.35, -1.1), (0.35, -0.35), (1.1, -0.35), (1.1, 0.35),
                      (0.35, 0.35), (0.35, 1.1), (-0.35, 1.1), (-0.35, 0.35), (-1.1, 0.35),
                      (-1.1, -0.35), (-0.35, -0.35)],
        }  # fmt: skip
        pts = [(x + dx * s, y + dy * s) for dx, dy in shapes.get(shape, shapes["square"])]
        self.polygon(pts, fill=fill, stroke=stroke)

    def arrow(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = "#4d4d4d") -> None:
        """A vertical or slanted arrow from (x1, y1) to (x2, y2)."""
        import math

        angle = math.atan2(y2 - y1, x2 - x1)
        head = 7.0
        bx, by = x2 - head * math.cos(angle), y2 - head * math.sin(angle)
        self.line(x1, y1, bx, by, stroke=stroke, width=1.2)
        px, py = -math.sin(angle) * head * 0.45, math.cos(angle) * head * 0.45
        self.polygon([(x2, y2), (bx + px, by + py), (bx - px, by - py)], fill=stroke)

    # -- output: SVG ---------------------------------------------------------
    def to_svg(self, fig_id: str, title: str, desc: str, *, standalone: bool = False) -> str:
        """Write the figure as SVG with ``role="img"``, ``<title>`` and ``<desc>``.

        Parameters
        ----------
        fig_id
            A document-unique id; the title and description get ``{fig_id}-title``
            and ``{fig_id}-desc``.
        title, desc
            The text alternatives: a short title and a description of the data.
        standalone
            Add the XML declaration (for a separate ``.svg`` file).
        """
        w, h = _num(self.width), _num(self.height)
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
        out = [
            f'{head}<svg xmlns="http://www.w3.org/2000/svg" id="{escape(fig_id)}" '
            f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-labelledby="{escape(fig_id)}-title {escape(fig_id)}-desc" '
            f'font-family="{escape(FONT_FAMILY)}" font-size="12">',
            f'<title id="{escape(fig_id)}-title">{escape(drawable(title))}</title>',
            f'<desc id="{escape(fig_id)}-desc">{escape(drawable(desc))}</desc>',
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        ]
        out.extend(_svg_shape(s) for s in self.shapes)
        out.append("</svg>")
        return "\n".join(out)

    # -- output: PNG ---------------------------------------------------------
    def to_png(self, *, scale: float = 2.0) -> bytes:
        """Render the same shapes with matplotlib (Agg) and return PNG bytes."""
        from matplotlib import patches
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        fig = Figure(figsize=(self.width / _PX_PER_INCH, self.height / _PX_PER_INCH),
                     dpi=_PX_PER_INCH * scale, facecolor="white")
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.set_axis_off()
        for s in self.shapes:
            lw = s.width * _PT_PER_PX
            dashes: Any = (0, tuple(d * _PT_PER_PX / lw for d in s.dash)) if s.dash else "solid"
            if s.kind in ("line", "polyline"):
                xs, ys = zip(*s.points, strict=True)
                ax.add_line(Line2D(xs, ys, color=s.stroke, linewidth=lw, linestyle=dashes,
                                   solid_capstyle="butt", dash_capstyle="butt"))
            elif s.kind == "polygon":
                ax.add_patch(patches.Polygon(s.points, closed=True, facecolor=s.fill or "none",
                                             edgecolor=s.stroke or "none", linewidth=lw))
            elif s.kind == "circle":
                ax.add_patch(patches.Circle(s.points[0], s.radius, facecolor=s.fill or "none",
                                            edgecolor=s.stroke or "none", linewidth=lw))
            elif s.kind == "rect":
                (x1, y1), (x2, y2) = s.points
                box = (patches.FancyBboxPatch((x1, y1), x2 - x1, y2 - y1,
                                              boxstyle=f"round,pad=0,rounding_size={s.radius}")
                       if s.radius else patches.Rectangle((x1, y1), x2 - x1, y2 - y1))
                box.set(facecolor=s.fill or "none", edgecolor=s.stroke or "none",
                        linewidth=lw if s.stroke else 0, linestyle=dashes)
                ax.add_patch(box)
            elif s.kind == "text":
                ha = {"start": "left", "middle": "center", "end": "right"}[s.anchor]
                ax.text(*s.points[0], s.text, fontsize=s.size * _PT_PER_PX, ha=ha,
                        va="baseline", color=s.fill, family=_PNG_FONTS,
                        fontweight="bold" if s.bold else "normal",
                        fontstyle="italic" if s.italic else "normal", parse_math=False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()


def _dash(dash: tuple[float, ...] | None) -> str:
    return f' stroke-dasharray="{" ".join(_num(d) for d in dash)}"' if dash else ""


def _paint(s: _Shape) -> str:
    out = f' fill="{s.fill}"' if s.fill else ' fill="none"'
    if s.stroke:
        out += f' stroke="{s.stroke}"'
        if s.width != 1:
            out += f' stroke-width="{_num(s.width)}"'
    return out + _dash(s.dash)


def _svg_shape(s: _Shape) -> str:
    if s.kind == "line":
        (x1, y1), (x2, y2) = s.points
        return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                f'stroke="{s.stroke}" stroke-width="{_num(s.width)}"{_dash(s.dash)}/>')
    if s.kind == "polyline":
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in s.points)
        return (f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" '
                f'stroke-width="{_num(s.width)}" stroke-linejoin="round"{_dash(s.dash)}/>')
    if s.kind == "polygon":
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in s.points)
        return f'<polygon points="{pts}"{_paint(s)}/>'
    if s.kind == "circle":
        (x, y), r = s.points[0], s.radius
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"{_paint(s)}/>'
    if s.kind == "rect":
        (x1, y1), (x2, y2) = s.points
        rx = f' rx="{_num(s.radius)}"' if s.radius else ""
        return (f'<rect x="{_num(x1)}" y="{_num(y1)}" width="{_num(x2 - x1)}" '
                f'height="{_num(y2 - y1)}"{rx}{_paint(s)}/>')
    if s.kind == "text":
        (x, y) = s.points[0]
        attrs = f' x="{_num(x)}" y="{_num(y)}"'
        if s.anchor != "start":
            attrs += f' text-anchor="{s.anchor}"'
        if s.size != 12:
            attrs += f' font-size="{_num(s.size)}"'
        if s.bold:
            attrs += ' font-weight="bold"'
        if s.italic:
            attrs += ' font-style="italic"'
        if s.fill != "#1a1a1a":
            attrs += f' fill="{s.fill}"'
        else:
            attrs += ' fill="#1a1a1a"'
        title = f"<title>{escape(s.full)}</title>" if s.full else ""
        return f"<text{attrs}>{title}{escape(s.text)}</text>"
    raise ValueError(f"unknown shape {s.kind!r}")  # pragma: no cover
