"""The steering chart, drawn on the server with matplotlib (no JavaScript, no CDN): cumulative
persons per quarter against the target line, and the forecast to the end of the period.

Lines differ by pattern and markers as well as colour, and the same figures are in the
quarterly table beside it (the chart's text alternative)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _

from models.operations.reports import QuarterlyReport

INK, BRAND, MUTED, WARN = "#1b1f24", "#0b4f8a", "#4a5360", "#8a5300"


def render_chart(report: QuarterlyReport, fmt: str = "svg") -> bytes:
    """The chart as SVG (the dashboard) or PNG (the xlsx)."""
    from matplotlib.figure import Figure  # imported here: only chart requests pay for matplotlib

    figure = Figure(figsize=(8, 4.2), dpi=110 if fmt == "png" else 100)
    axes = figure.subplots()
    labels = [q.quarter for q in report.quarters]
    positions = list(range(len(labels)))
    axes.plot(
        positions, [q.target_to_date for q in report.quarters], linestyle="--", linewidth=2, color=MUTED,
        label=_("Mål till och med kvartalet"),
    )
    elapsed = report.elapsed
    if elapsed:
        axes.plot(
            positions[: len(elapsed)], [q.cumulative_persons for q in elapsed], linestyle="-", linewidth=2.5,
            marker="o", color=BRAND, label=_("Personer ackumulerat"),
        )
        if len(elapsed) < len(labels):
            axes.plot(
                [len(elapsed) - 1, len(labels) - 1], [elapsed[-1].cumulative_persons, report.forecast.value],
                linestyle=":", linewidth=2, marker="s", color=WARN, label=_("Prognos"),
            )
    axes.set_xticks(positions, labels, rotation=45, ha="right")
    axes.set_ylabel(_("Personer"), color=INK)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#c9d0d9", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


# --- change per question (inline SVG, drawn by the template) ---------------------------------
@dataclass(frozen=True)
class ChangeBar:
    """One question's mean change over the period, with its 95 % interval, placed on the chart."""

    questionnaire: str
    question: str
    pairs: int
    mean: float
    low: Optional[float]
    high: Optional[float]
    y: int  # the bar's top, in SVG units

    @staticmethod
    def x(value: float) -> float:
        """SVG x of a change on the scale −4…+4 (the widest possible on a 1–5 answer)."""
        return CHANGE_LEFT + (value + 4) / 8 * CHANGE_WIDTH


CHANGE_LEFT, CHANGE_WIDTH, CHANGE_ROW = 300, 460, 34


def change_bars(report: QuarterlyReport) -> list[ChangeBar]:
    """The mean change per question over the whole period so far, for every question whose
    number of pairs is shown (small counts stay hidden here as in the tables)."""
    from models.operations.reports import SURVEY_GROUPS, published_pairs

    from .. import labels

    bars: list[ChangeBar] = []
    for group in SURVEY_GROUPS:
        for key, cells in published_pairs(report, group):
            total = cells[-1]
            if total is None or not total.pairs or total.mean_change is None:
                continue
            interval = total.confidence_interval
            bars.append(ChangeBar(
                str(labels.QUESTIONNAIRE_LABELS.get(group, group)), report.survey_questions.get((group, key), key),
                total.pairs, round(total.mean_change, 2),
                None if interval is None else round(max(-4.0, interval[0]), 2),
                None if interval is None else round(min(4.0, interval[1]), 2),
                20 + len(bars) * CHANGE_ROW,
            ))
    return bars
