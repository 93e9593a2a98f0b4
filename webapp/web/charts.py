"""Server-side SVG charts: plain functions that return markup, no JavaScript, no styles.

Every chart is an ``<svg role="img">`` with an ``aria-label``, a ``<title>`` and a
``<desc>`` that states the data in words, and it prints every number as a text label, so
it can be read without seeing the shapes. Colours are SVG presentation attributes (the
Content Security Policy forbids inline ``style``), with classes for the stylesheet. All
text is escaped; the result is well-formed XML.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from scoring.numbers import format_number

SVG_NS = "http://www.w3.org/2000/svg"
BAR, GOOD, REFERENCE, AXIS, INK, MUTED = "#0b5394", "#1e7b34", "#b3261e", "#5b6775", "#1d2733", "#5b6775"
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Reference:
    """A labelled reference line (a target, a threshold) at ``value`` on the value axis."""

    value: float
    label: str


def _fmt(value: float) -> str:
    return format_number(value, 1, "vi")


def _num(value: float) -> str:
    """A coordinate: at most two decimals, no exponent, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _open(width: float, height: float, title: str, desc: str, css: str) -> str:
    label = escape(title)
    return (f'<svg xmlns="{SVG_NS}" class="chart {escape(css)}" role="img" aria-label="{label}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
            f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="13">'
            f"<title>{label}</title><desc>{escape(desc)}</desc>")


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK, size: int | None = None,
          css: str = "") -> str:
    extra = f' font-size="{size}"' if size else ""
    klass = f' class="{escape(css)}"' if css else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}"{extra}{klass}>'
            f"{escape(text)}</text>")


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = AXIS, dashed: bool = False,
          css: str = "", width: float = 1) -> str:
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    klass = f' class="{escape(css)}"' if css else ""
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" '
            f'stroke-width="{_num(width)}"{dash}{klass}/>')


def _rect(x: float, y: float, w: float, h: float, fill: str, css: str, tip: str) -> str:
    return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(max(h, 0))}" '
            f'fill="{fill}" class="{escape(css)}"><title>{escape(tip)}</title></rect>')


def _scale_max(values: Iterable[float], references: Sequence[Reference], fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    top = max([0.0, *values, *(r.value for r in references)])
    return top if top > 0 else 1.0


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, max_value: float | None = None,
              references: Sequence[Reference] = (), fmt: Formatter = _fmt, unit: str = "",
              label_width: int = 190, width: int = 640, bar_height: int = 22,
              highlight: Callable[[float], bool] | None = None) -> Markup:
    """Horizontal bars, one per ``(label, value)``, each with its value printed after it.

    ``references`` draw dashed vertical lines (e.g. the national targets) labelled at the
    top. ``highlight(value)`` picks the bars drawn in the "good" colour (e.g. at target).
    """
    top = _scale_max((v for _, v in bars), references, max_value)
    gap, head = 8, 34 if references else 8
    plot_w = width - label_width - 70
    height = head + len(bars) * (bar_height + gap) + 24

    def x(value: float) -> float:
        return label_width + plot_w * min(max(value, 0), top) / top

    shown = "; ".join(f"{label}: {fmt(value)}{unit}" for label, value in bars) or "—"
    refs = "; ".join(r.label for r in references)
    parts = [_open(width, height, title, shown + (f". {refs}" if refs else ""), "bar-chart")]
    for i, (label, value) in enumerate(bars):
        y = head + i * (bar_height + gap)
        good = highlight is not None and highlight(value)
        parts.append(_text(label_width - 8, y + bar_height * 0.72, label, "end", css="label"))
        parts.append(_rect(label_width, y, x(value) - label_width, bar_height, GOOD if good else BAR,
                           "bar good" if good else "bar", f"{label}: {fmt(value)}{unit}"))
        parts.append(_text(x(value) + 6, y + bar_height * 0.72, f"{fmt(value)}{unit}", css="value"))
    base = head + len(bars) * (bar_height + gap)
    parts.append(_line(label_width, head - 4, label_width, base))
    parts.append(_line(label_width, base, label_width + plot_w, base))
    parts.append(_text(label_width, base + 16, f"0{unit}", "middle", MUTED, 11, "tick"))
    parts.append(_text(label_width + plot_w, base + 16, f"{fmt(top)}{unit}", "middle", MUTED, 11, "tick"))
    for n, ref in enumerate(references):
        rx = x(ref.value)
        parts.append(_line(rx, 14 + 12 * (n % 2) - 8, rx, base, REFERENCE, True, "reference", 2))
        anchor = "end" if rx > label_width + plot_w * 0.6 else "start"
        offset = -4 if anchor == "end" else 4
        parts.append(_text(rx + offset, 12 + 12 * (n % 2), ref.label, anchor, REFERENCE, 11, "reference-label"))
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(values: Sequence[float], *, title: str, bin_width: int = 50, low: int = 0, high: int = 1000,
              thresholds: Sequence[Reference] = (), fmt: Formatter = _fmt, width: int = 640,
              height: int = 260) -> Markup:
    """Counts of ``values`` in bins of ``bin_width`` from ``low`` to ``high`` (the last bin
    includes ``high``), each count printed above its bar, thresholds as dashed lines."""
    edges = list(range(low, high, bin_width))
    counts = [0] * len(edges)
    for value in values:
        index = min(max(int((value - low) // bin_width), 0), len(edges) - 1)
        counts[index] += 1
    labels = [f"{fmt(a)}–{fmt(a + bin_width - 1 if a + bin_width < high else high)}" for a in edges]
    left, right, top_pad, bottom = 36, 22, 40, 24
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max(counts, default=0) or 1
    slot = plot_w / max(len(edges), 1)

    def x(value: float) -> float:
        return left + plot_w * (value - low) / (high - low)

    filled = [f"{label}: {count}" for label, count in zip(labels, counts, strict=True) if count]
    desc = (f"{len(values)} giá trị, khoảng {bin_width} điểm. " + ("; ".join(filled) or "—")
            + (". " + "; ".join(t.label for t in thresholds) if thresholds else ""))
    parts = [_open(width, height, title, desc, "histogram")]
    base = top_pad + plot_h
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        h = plot_h * count / peak
        bx = left + i * slot
        parts.append(_rect(bx + 1, base - h, slot - 2, h, BAR, "bar", f"{label}: {count}"))
        if count:
            parts.append(_text(bx + slot / 2, base - h - 4, fmt(count), "middle", INK, 11, "value"))
    parts.append(_line(left, top_pad - 6, left, base))
    parts.append(_line(left, base, left + plot_w, base))
    for i, a in enumerate(edges + [high]):
        if i % 2 == 0 or len(edges) <= 10:
            parts.append(_text(x(a), base + 15, fmt(a), "middle", MUTED, 11, "tick"))
    for ref in thresholds:
        if low <= ref.value <= high:  # labelled above the plot, clear of the counts
            rx = x(ref.value)
            parts.append(_line(rx, top_pad - 22, rx, base, REFERENCE, True, "reference", 2))
            parts.append(_text(rx, top_pad - 26, ref.label, "middle", REFERENCE, 11, "reference-label"))
    parts.append(_text(left - 6, top_pad, fmt(peak), "end", MUTED, 11, "tick"))
    parts.append(_text(left - 6, base, "0", "end", MUTED, 11, "tick"))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: Sequence[tuple[str, float | None]], *, title: str, max_value: float = 100,
               references: Sequence[Reference] = (), fmt: Formatter = _fmt, unit: str = "",
               width: int = 640, height: int = 240) -> Markup:
    """A line through ``(label, value)`` points (e.g. years), each value printed above its
    point; ``None`` values leave a gap. ``references`` are dashed horizontal lines."""
    left, right, top_pad, bottom, pad = 44, 130, 24, 30, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    base = top_pad + plot_h
    step = (plot_w - 2 * pad) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return base - plot_h * min(max(value, 0), max_value) / max_value

    def x(i: int) -> float:
        return left + (pad + i * step if len(points) > 1 else plot_w / 2)

    shown = "; ".join(f"{label}: {'—' if v is None else fmt(v) + unit}" for label, v in points) or "—"
    refs = "; ".join(r.label for r in references)
    parts = [_open(width, height, title, shown + (f". {refs}" if refs else ""), "line-chart")]
    parts.append(_line(left, top_pad, left, base))
    parts.append(_line(left, base, left + plot_w, base))
    parts.append(_text(left - 6, base + 4, f"0{unit}", "end", MUTED, 11, "tick"))
    parts.append(_text(left - 6, top_pad + 4, f"{fmt(max_value)}{unit}", "end", MUTED, 11, "tick"))
    for ref in references:
        parts.append(_line(left, y(ref.value), left + plot_w, y(ref.value), REFERENCE, True, "reference", 2))
        parts.append(_text(left + plot_w + 6, y(ref.value) + 4, ref.label, "start", REFERENCE, 11,
                           "reference-label"))
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_label, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{_num(x(i))},{_num(y(value))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BAR}" stroke-width="2.5" '
                         f'class="series"/>')
    for i, (label, value) in enumerate(points):
        parts.append(_text(x(i), base + 18, label, "middle", MUTED, 12, "tick"))
        if value is not None:
            parts.append(f'<circle cx="{_num(x(i))}" cy="{_num(y(value))}" r="4.5" fill="{BAR}" class="point">'
                         f"<title>{escape(label)}: {escape(fmt(value) + unit)}</title></circle>")
            above = y(value) - 9
            if any(0 <= y(value) - y(r.value) <= 18 for r in references):  # a line just above
                above = y(value) + 18
            parts.append(_text(x(i), above, f"{fmt(value)}{unit}", "middle", INK, 12, "value"))
    parts.append("</svg>")
    return Markup("".join(parts))
