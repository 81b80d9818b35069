"""Small server-rendered SVG charts for the staff dashboard: no script, no CDN, readable at a
glance, each with a <title> per mark for exact numbers on hover. All text is escaped."""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PRIMARY = "#417690"  # the admin's own blue
SECONDARY = "#79aec8"
WARNING = "#ba2121"
GRID = "#dddddd"
TEXT = "#333333"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308  every interpolated text below goes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" class="dashboard-chart" {FONT}>'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def column_chart(points: Sequence[tuple[str, int]], *, label: str, every: int = 1) -> SafeString:
    """Vertical bars, one per point (e.g. students per day); every `every`-th label, counted
    back from the last point, is shown."""
    width, height, left, bottom, top = 720, 220, 36, 28, 12
    peak = max([value for _, value in points] + [1])
    plot_w, plot_h = width - left - 8, height - bottom - top
    step = plot_w / max(len(points), 1)
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{round(peak * fraction)}</text>"
        )
    for index, (name, value) in enumerate(points):
        bar_h = plot_h * value / peak
        x = left + index * step + step * 0.15
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{bar_h:.1f}" fill="{PRIMARY}">'
            f"<title>{escape(name)}: {value}</title></rect>"
        )
        if (len(points) - 1 - index) % every == 0:  # counted from the end: today is labelled
            body.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(name)}</text>'
            )
    return _svg(width, height, label, body)


def bar_rows(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    label: str,
    scale: float | None = None,
    legend: Sequence[str] = (),
    suffix: str = "",
) -> SafeString:
    """Horizontal bars, one group per row (e.g. a chapter's started and completed counts, or a
    quiz's pass rate); `scale` is the value of a full-width bar (default: the largest)."""
    colours = (SECONDARY, PRIMARY, WARNING)
    bar_h, gap, left, right, width = 14, 10, 220, 60, 720
    per_row = bar_h * max(len(values) for _, values in rows) if rows else bar_h
    height = 20 + len(rows) * (per_row + gap) + (18 if legend else 0)
    peak = scale or max([value for _, values in rows for value in values] + [1])
    plot_w = width - left - right
    body = []
    y = 10
    for name, values in rows:
        short = name if len(name) <= 34 else name[:33] + "…"
        body.append(
            f'<text x="{left - 6}" y="{y + per_row / 2 + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(name)}</title>{escape(short)}</text>"
        )
        for index, value in enumerate(values):
            bar_w = plot_w * value / peak if peak else 0
            shown = f"{value:g}{suffix}"
            series = legend[index] if index < len(legend) else ""
            body.append(
                f'<rect class="bar" x="{left}" y="{y + index * bar_h}" width="{bar_w:.1f}" '
                f'height="{bar_h - 2}" fill="{colours[index % len(colours)]}">'
                f"<title>{escape(name)} {escape(series)}: {escape(shown)}</title></rect>"
            )
            body.append(
                f'<text x="{left + bar_w + 4:.1f}" y="{y + index * bar_h + bar_h - 4}" '
                f'fill="{TEXT}">{escape(shown)}</text>'
            )
        y += per_row + gap
    for index, series in enumerate(legend):
        x = left + index * 120
        body.append(
            f'<rect x="{x}" y="{y + 2}" width="10" height="10" fill="{colours[index % 3]}"/>'
            f'<text x="{x + 14}" y="{y + 11}" fill="{TEXT}">{escape(series)}</text>'
        )
    return _svg(width, height, label, body)
