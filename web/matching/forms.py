"""Forms of the matching pages: list filters, the quarter and fairness choices, and the plan's
rows (server-side: removing or swapping a row needs no JavaScript)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SearchField,
    SelectField,
    TimeField,
)
from wtforms.validators import Optional

from models.enums import FIELD_SLUGS, WEEKDAYS
from models.operations.matching import Filters

from .. import labels

#: The planner's choices of longest travel time, in minutes.
TRAVEL_CAPS = (20, 30, 45, 60, 90)


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class CandidateFilterForm(_GetForm):
    """Narrowing an offer's list of candidates."""

    q = SearchField(_l("Sök på namn"))
    area = SelectField(_l("Område"), choices=[], validate_choice=False)
    weekday = SelectField(_l("Kan veckodag"), choices=_blank(_l("Alla dagar"))
                          + [(d, labels.WEEKDAY_LABELS[d]) for d in WEEKDAYS], validate_choice=False)
    language = SelectField(_l("Talar språk"), choices=[], validate_choice=False)
    day = DateField(_l("Ledig dag"), validators=[Optional()])

    def filters(self) -> Filters:
        return Filters(text=(self.q.data or "").strip(), area=self.area.data or "", weekday=self.weekday.data or "",
                       language=self.language.data or "")


class OfferFilterForm(_GetForm):
    """Narrowing a candidate's list of offers."""

    q = SearchField(_l("Sök på företag eller rubrik"))
    field = SelectField(_l("Yrkesområde"), choices=_blank(_l("Alla yrkesområden"))
                        + [(f, labels.FIELD_LABELS[f]) for f in FIELD_SLUGS], validate_choice=False)
    weekday = SelectField(_l("Tar emot veckodag"), choices=_blank(_l("Alla dagar"))
                          + [(d, labels.WEEKDAY_LABELS[d]) for d in WEEKDAYS], validate_choice=False)
    language = SelectField(_l("Språk på arbetsplatsen"), choices=[], validate_choice=False)
    day = DateField(_l("Dag för besöket"), validators=[Optional()])

    def filters(self) -> Filters:
        return Filters(text=(self.q.data or "").strip(), field=self.field.data or "",
                       weekday=self.weekday.data or "", language=self.language.data or "")


class QuarterChoiceForm(_GetForm):
    kvartal = SelectField(_l("Kvartal"))
    rattvis = SelectField(
        _l("Rättvis andel per målgrupp"),
        choices=[("ja", _l("På – varje målgrupp får minst sin andel av platserna")), ("nej", _l("Av"))],
        default="ja",
    )
    restid = SelectField(
        _l("Längsta restid (beräknad, med kollektivtrafik)"),
        choices=[("", _l("Ingen gräns"))] + [(str(m), _l("%(minutes)s min", minutes=m)) for m in TRAVEL_CAPS],
        default="",
    )

    @property
    def max_travel_minutes(self) -> int | None:
        """The chosen cap in minutes; None for no cap (or a value not offered)."""
        value = self.restid.data or ""
        return int(value) if value.isdigit() and int(value) in TRAVEL_CAPS else None


class FairnessPeriodForm(_GetForm):
    kvartal = SelectField(_l("Period"))


class PlanRowForm(Form):
    """One row of the plan: keep it or not, who (the planned candidate or a swap), which day."""

    keep = BooleanField(_l("Ta med"), default=True)
    offer = HiddenField()
    candidate = SelectField(_l("Deltagare"), coerce=str, validate_choice=False)
    day = DateField(_l("Dag"), validators=[Optional()])
    start = TimeField(_l("Starttid"), validators=[Optional()])


class PlanForm(FlaskForm):
    quarter = HiddenField()
    rows = FieldList(FormField(PlanRowForm), min_entries=0)
