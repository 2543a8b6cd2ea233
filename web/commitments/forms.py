"""Forms of the commitment pages. The rules (a valid period, something promised, one reference
per department) live in models/operations/commitments.py; the forms parse what was typed."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from models import Commitment
from models.operations.commitments import KINDS, MAX_BOOST_PCT, MAX_PER_YEAR, CommitmentData

from .labels import KIND_LABELS, SOURCE_LABELS


def _per_year(kind: str) -> IntegerField:
    return IntegerField(
        _l("%(kind)s per år", kind=KIND_LABELS[kind]),
        validators=[Optional(), NumberRange(min=0, max=MAX_PER_YEAR,
                                            message=_l("Skriv ett heltal från 0 till %(max)s.", max=MAX_PER_YEAR))],
        render_kw={"inputmode": "numeric"},
    )


class CommitmentForm(FlaskForm):
    company_id = SelectField(_l("Företag"), coerce=int, validate_choice=False,
                             validators=[InputRequired(_l("Välj företaget."))])
    source = SelectField(_l("Grund"), choices=list(SOURCE_LABELS.items()), validate_choice=False)
    reference = StringField(_l("Avtalsnummer eller annan referens"), validators=[InputRequired(_l("Ange referensen."))])
    department = StringField(_l("Förvaltning som tecknade avtalet"),
                             validators=[InputRequired(_l("Ange förvaltningen."))], render_kw={"list": "departments"})
    period_from = DateField(_l("Från"), validators=[InputRequired(_l("Ange ett datum."))])
    period_to = DateField(_l("Till"), validators=[InputRequired(_l("Ange ett datum."))])
    visits = _per_year("visits")
    shadowing_days = _per_year("shadowing_days")
    internships = _per_year("internships")
    hires = _per_year("hires")
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional()])

    def kind_fields(self) -> list[Any]:
        return [getattr(self, kind.value) for kind in KINDS]

    def load(self, commitment: Commitment) -> None:
        self.company_id.data = commitment.company_id
        self.source.data = commitment.source.value
        for name in ("reference", "department", "period_from", "period_to", "notes"):
            getattr(self, name).data = getattr(commitment, name)
        for kind in KINDS:
            getattr(self, kind.value).data = commitment.promised(kind)

    def to_data(self) -> CommitmentData:
        return CommitmentData(
            company_id=self.company_id.data, source=self.source.data or "", reference=self.reference.data or "",
            department=self.department.data or "", period_from=self.period_from.data,
            period_to=self.period_to.data, notes=self.notes.data or "",
            promises={kind.value: getattr(self, kind.value).data for kind in KINDS},
        )


class DeleteForm(FlaskForm):
    pass


class WeightForm(FlaskForm):
    ranking_boost_pct = IntegerField(
        _l("Företräde för företag som ligger efter (0–%(max)s procentenheter; 0 = av)", max=MAX_BOOST_PCT),
        validators=[InputRequired(_l("Skriv ett heltal."))], render_kw={"inputmode": "numeric"},
    )


class ImportForm(FlaskForm):
    file = FileField(_l("Fil (.xlsx eller .csv)"), render_kw={"accept": ".xlsx,.csv"})


class ImportCommitForm(FlaskForm):
    token = HiddenField()
    skip_duplicates = BooleanField(_l("Hoppa över raderna med avtal som redan är registrerade"))
