"""Small bar charts as inline SVG, drawn on the server: no JavaScript, no inline styles (the CSP forbids both)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 480  # bar charts; they sit two to a row on a desktop
COLUMN_WIDTH = 720
MARGIN = 36
BAR_HEIGHT = 28
LABEL_WIDTH = 170


def _fmt(value: float) -> str:
    return f"{value:g}"


def column_chart(points: Sequence[tuple[str, float]], title: str, height: int = 260) -> Markup:
    """Vertical bars, one per point (e.g. messages per day); labels under every few bars."""
    if not points:
        return Markup("")
    top = max((v for _, v in points), default=0) or 1
    plot_h = height - 64
    step = (COLUMN_WIDTH - 2 * MARGIN) / len(points)
    bar_w = max(step * 0.7, 2)
    base = plot_h + 24
    parts = [
        f'<svg class="chart columns" viewBox="0 0 {COLUMN_WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="axis" x1="{MARGIN}" y1="{base}" x2="{COLUMN_WIDTH - MARGIN}" y2="{base}"/>',
    ]
    label_every = max(1, round(len(points) / 5))
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = MARGIN + i * step + (step - bar_w) / 2
        y = base - h
        middle = x + bar_w / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
        )
        if value:
            parts.append(
                f'<text class="value" x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_fmt(value)}</text>'
            )
        if (len(points) - 1 - i) % label_every == 0:
            parts.append(
                f'<text class="label" x="{middle:.1f}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels are escaped above, the rest are numbers


def bar_chart(items: Sequence[tuple[str, float]], title: str, css: Sequence[str] = ()) -> Markup:
    """Horizontal bars with their labels and values (e.g. flags per category); ``css`` adds a class per bar."""
    if not items:
        return Markup("")
    top = max((v for _, v in items), default=0) or 1
    height = BAR_HEIGHT * len(items) + 8
    plot_w = WIDTH - LABEL_WIDTH - 50
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * BAR_HEIGHT
        w = max(plot_w * value / top, 1)
        extra = f" {escape(css[i])}" if i < len(css) else ""
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar{extra}" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" height="{BAR_HEIGHT - 8}">'
            f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
            f'<text class="value" x="{LABEL_WIDTH + w + 6:.1f}" y="{y + 19}">{_fmt(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels are escaped above, the rest are numbers
