"""The fairness audit as tables (the page and the spreadsheet show the same ones), and the
programme goal the planner reports against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _

from models.operations import fairness as fairness_ops
from models.operations.companies import Quarter, programme_for
from models.operations.reports import current_report

from .. import labels
from ..extensions import db

GROUP_LABELS = {
    "target_group": labels.TARGET_GROUP_LABELS,
    "gender": labels.GENDER_LABELS,
    "age_band": labels.AGE_BAND_LABELS,
}


@dataclass
class Table:
    title: str
    headers: list[str]
    kinds: list[str]  # per column: text, count, percent (0–100, one decimal), ratio
    rows: list[list[Any]]
    note: str = ""


def _too_few() -> str:
    return _("för få")


def _percent(value: Optional[float]) -> Any:
    return _too_few() if value is None else round(100 * value, 1)


def _ratio(value: Optional[float]) -> Any:
    return "–" if value is None else round(value, 2)


def _flags(group: fairness_ops.GroupFigures) -> str:
    flagged = [str(labels.FAIRNESS_MEASURE_LABELS[m]).lower() for m in fairness_ops.MEASURES if group.flagged(m)]
    return _("Under fyra femtedelar: %(what)s", what=", ".join(flagged)) if flagged else _("Nej")


def _columns(detailed: bool) -> tuple[list[str], list[str]]:
    headers, kinds = [_("Grupp")], ["text"]
    if detailed:
        headers += [_("I poolen (antal)")]
        kinds += ["count"]
    headers += [_("Andel av poolen (%)")]
    kinds += ["percent"]
    for measure, counts in (("top5", _("Platser bland de fem första (antal)")),
                            ("proposed", _("Föreslagna besök (antal)")),
                            ("acceptance", _("Tackade ja / besvarade (antal)")),
                            ("completion", _("Genomförda / avgjorda (antal)"))):
        if detailed:
            headers.append(counts)
            kinds.append("text" if measure in ("acceptance", "completion") else "count")
        headers += [f"{labels.FAIRNESS_MEASURE_LABELS[measure]} (%)", _("Kvot mot bästa gruppen")]
        kinds += ["percent", "ratio"]
    headers.append(_("Flagga"))
    kinds.append("text")
    return headers, kinds


def _row(group: fairness_ops.GroupFigures, label: str, detailed: bool) -> list[Any]:
    if group.too_few:
        return [label] + [_too_few()] * (len(_columns(detailed)[0]) - 1)
    row: list[Any] = [label] + ([group.pool] if detailed else []) + [_percent(group.shares["pool"])]
    measures = (
        ("top5", group.top5, group.shares["top5"]),
        ("proposed", group.proposed, group.shares["proposed"]),
        ("acceptance", f"{group.accepted} / {group.answered}", group.rates["acceptance"]),
        ("completion", f"{group.completed} / {group.held}", group.rates["completion"]),
    )
    for measure, count, value in measures:
        row += ([count] if detailed else []) + [_percent(value), _ratio(group.ratios[measure])]
    return row + [_flags(group)]


def fairness_tables(audit: fairness_ops.FairnessAudit, detailed: bool) -> list[Table]:
    """One table per dimension; groups under five in the pool are "för få" throughout."""
    headers, kinds = _columns(detailed)
    tables = []
    for dimension in audit.dimensions:
        names = GROUP_LABELS[dimension.key]
        rows = [_row(g, str(names.get(g.group, g.group)), detailed) for g in dimension.groups]
        note = ""
        if dimension.unrecorded:
            note = _("%(n)s personer i poolen saknar uppgiften och ingår inte i tabellen.", n=dimension.unrecorded)
        tables.append(Table(str(labels.FAIRNESS_DIMENSION_LABELS[dimension.key]), headers, kinds, rows, note))
    return tables


def goal_progress(quarter: Quarter) -> Optional[dict[str, int]]:
    """The programme's person goal and how many were counted before `quarter` (the quarterly
    report owns the counting rule); None when no programme with a person goal runs then."""
    programme = programme_for(db.session, quarter)
    if programme is None:
        return None
    report = current_report(db.session, programme)
    before = [row for row in report.quarters if row.start < quarter.start]
    reached = before[-1].cumulative_persons if before else 0
    return {"target": report.totals.target, "reached": reached}
