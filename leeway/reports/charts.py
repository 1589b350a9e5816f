"""Charts drawn on the server as SVG shapes (no script, no CDN); every chart has its table beside it.

The functions return plain geometry (rectangles, polylines, labels) that `reports/_chart.html` writes
out; colours are attributes, not inline styles, so the strict Content Security Policy holds.
"""

from dataclasses import dataclass, field
from decimal import Decimal

ZONE_COLOURS = {"green": "#2e7d32", "amber": "#a15c00", "red": "#c62828"}
LINE_COLOURS = ("#1f4e9c", "#6a1b9a", "#00695c", "#5d4037")
BAR_COLOUR = "#546e7a"


@dataclass
class Shape:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass
class Line:
    points: str
    stroke: str
    label: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    title: str
    shapes: list[Shape] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def _number(value) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def bars_with_lines(
    *,
    title: str,
    labels: list[str],
    bars: list,
    bar_label: str,
    lines: list[tuple[str, list]],
    width=720,
    height=240,
) -> Chart:
    """Vertical bars (e.g. spend per day) with lines over them (e.g. each daily budget's room)."""
    chart = Chart(width=width, height=height, title=title)
    left, bottom, top = 8, 22, 10
    plot = height - bottom - top
    peak = max([_number(v) for v in bars] + [_number(v) for _, values in lines for v in values] + [1.0])
    step = (width - 2 * left) / max(len(labels), 1)
    for index, value in enumerate(bars):
        bar_height = plot * _number(value) / peak
        chart.shapes.append(
            Shape(
                x=round(left + index * step + step * 0.15, 1),
                y=round(top + plot - bar_height, 1),
                width=round(step * 0.7, 1),
                height=round(bar_height, 1),
                fill=BAR_COLOUR,
                title=f"{labels[index]}: {value}",
            )
        )
    every = max(1, len(labels) // 10)
    for index, text in enumerate(labels):
        if index % every == 0:
            chart.labels.append(Label(x=round(left + index * step + step / 2, 1), y=height - 6, text=text))
    chart.legend.append((BAR_COLOUR, bar_label))
    for number, (name, values) in enumerate(lines):
        colour = LINE_COLOURS[number % len(LINE_COLOURS)]
        points = " ".join(
            f"{round(left + i * step + step / 2, 1)},{round(top + plot - plot * _number(v) / peak, 1)}"
            for i, v in enumerate(values)
        )
        chart.lines.append(Line(points=points, stroke=colour, label=name))
        chart.legend.append((colour, name))
    return chart


def stacked_rows(
    *,
    title: str,
    names: list[str],
    parts: list[tuple[str, str, list[int]]],
    width=720,
    row_height=22,
    limit=15,
) -> Chart:
    """One horizontal bar per name, split into parts (e.g. green, amber, red), each as a share of its row."""
    names = names[:limit]
    label_width = 180
    chart = Chart(width=width, height=row_height * len(names) + 8, title=title)
    for index, name in enumerate(names):
        y = 4 + index * row_height
        total = sum(values[index] for _, _, values in parts) or 1
        x = label_width
        chart.labels.append(Label(x=label_width - 6, y=y + row_height * 0.65, text=name, anchor="end"))
        for part_label, colour, values in parts:
            part_width = (width - label_width - 8) * values[index] / total
            chart.shapes.append(
                Shape(
                    x=round(x, 1),
                    y=y + 2,
                    width=round(part_width, 1),
                    height=row_height - 6,
                    fill=colour,
                    title=f"{name}: {part_label} {values[index]}",
                )
            )
            x += part_width
    chart.legend = [(colour, label) for label, colour, _ in parts]
    return chart
