"""Forms of the budget pages. The rules (no negative amounts, financing covers the budget,
months within the period) live in models/operations/budget.py; the forms parse what was typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import Optional

from models import Organisation
from models.enums import BudgetLineKind
from models.operations.budget import LINES, YearPlan, funding_field, line_field
from models.operations.periods import months_between

from .. import labels


class _LinesForm(FlaskForm):
    """An amount per budget line (`line_<slug>` fields)."""

    def line_fields(self) -> list[Any]:
        return [getattr(self, line_field(line)) for line in LINES]

    def amounts(self) -> dict[BudgetLineKind, Any]:
        return {line: getattr(self, line_field(line)).data for line in LINES}


def _line_fields() -> dict[str, Any]:
    return {
        line_field(line): IntegerField(
            _("%(line)s (kr)", line=labels.BUDGET_LINE_LABELS[line.value]), validators=[Optional()],
            render_kw={"inputmode": "numeric"},
        )
        for line in LINES
    }


class YearForm(_LinesForm):
    partners: Sequence[Organisation] = ()

    def funding_fields(self) -> list[Any]:
        return [getattr(self, funding_field(o.id)) for o in self.partners]

    def funding_shares(self) -> dict[int, Any]:
        return {o.id: getattr(self, funding_field(o.id)).data for o in self.partners}

    def load(self, plan: YearPlan, previous: YearPlan | None, yearly_funding: dict[int, int]) -> None:
        """The year's figures; a year without any starts from the year before (or, for the
        financing, from the programme's yearly financing)."""
        source = plan if plan.planned else previous
        amounts = source.amounts if source is not None else {}
        shares = {o.id: a for o, a in source.funding} if source is not None and source.funding else yearly_funding
        for line in LINES:
            getattr(self, line_field(line)).data = amounts.get(line)
        for org in self.partners:
            getattr(self, funding_field(org.id)).data = shares.get(org.id)


def year_form(partners: Sequence[Organisation], **kwargs: Any) -> YearForm:
    fields: dict[str, Any] = {"partners": tuple(partners), **_line_fields()}
    for org in partners:
        fields[funding_field(org.id)] = IntegerField(
            _("Finansiering från %(name)s (kr)", name=org.name), validators=[Optional()],
            render_kw={"inputmode": "numeric"},
        )
    return type("BudgetYearForm", (YearForm,), fields)(**kwargs)


class CostsForm(_LinesForm):
    month = SelectField(_l("Månad"), coerce=str)

    def chosen_month(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(f"{self.month.data}-01")
        except (TypeError, ValueError):
            return None


def costs_form(first: dt.date, last: dt.date, **kwargs: Any) -> CostsForm:
    form = type("MonthCostsForm", (CostsForm,), _line_fields())(**kwargs)
    form.month.choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in reversed(months_between(first, last))]
    return form


class ThresholdForm(FlaskForm):
    threshold_pct = IntegerField(_l("Tröskel för betydande avvikelse (procent)"), validators=[Optional()])


class LedgerUploadForm(FlaskForm):
    file = FileField(_l("Fil (.xlsx eller .csv)"), render_kw={"accept": ".xlsx,.csv"})


class LedgerCommitForm(FlaskForm):
    token = HiddenField()
