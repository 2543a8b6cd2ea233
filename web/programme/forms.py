"""Forms for the programme settings. Rules (period order, goals above 0) live in
models/operations/programme.py; the forms parse what was typed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import Organisation, Programme
from models.enums import GoalKind
from models.operations.programme import (
    MilestoneRow,
    ProgrammeSettings,
    funding_field,
    goal_field,
    milestone_field,
)

from .. import labels
from ..forms import MultiCheckboxField


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Programmets namn"), validators=[DataRequired(_l("Ange programmets namn.")), Length(max=200)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional()])
    starts_on = DateField(_l("Perioden börjar"), validators=[DataRequired(_l("Ange ett datum, t.ex. 2020-01-01."))])
    ends_on = DateField(_l("Perioden slutar"), validators=[DataRequired(_l("Ange ett datum, t.ex. 2022-12-31."))])
    yearly_budget_sek = IntegerField(
        _l("Budget per år (kr)"), validators=[DataRequired(_l("Ange budgeten per år i hela kronor."))]
    )
    parties = MultiCheckboxField(_l("Parter i partnerskapet"), coerce=int, validators=[Optional()])

    partners: Sequence[Organisation] = ()

    def load(self, programme: Programme) -> None:
        self.name.data = programme.name
        self.description.data = programme.description
        self.starts_on.data = programme.starts_on
        self.ends_on.data = programme.ends_on
        self.yearly_budget_sek.data = programme.yearly_budget_sek
        self.parties.data = [o.id for o in programme.parties]
        for funding in programme.funding:
            if hasattr(self, funding_field(funding.organisation_id)):
                getattr(self, funding_field(funding.organisation_id)).data = funding.yearly_amount_sek
        for goal in programme.goals:
            getattr(self, goal_field(goal.kind)).data = goal.target

    def to_settings(self) -> ProgrammeSettings:
        return ProgrammeSettings(
            name=self.name.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            yearly_budget_sek=self.yearly_budget_sek.data,
            description=self.description.data or "",
            party_ids=self.parties.data or [],
            funding={o.id: getattr(self, funding_field(o.id)).data for o in self.partners},
            goals={kind: getattr(self, goal_field(kind)).data for kind in GoalKind},
        )

    def funding_fields(self) -> list[Any]:
        return [getattr(self, funding_field(o.id)) for o in self.partners]

    def goal_fields(self) -> list[Any]:
        return [getattr(self, goal_field(kind)) for kind in GoalKind]


def programme_form(partners: Sequence[Organisation], **kwargs: Any) -> ProgrammeForm:
    """The settings form with a funding field per partner organisation and a field per goal."""
    fields: dict[str, Any] = {"partners": tuple(partners)}
    for org in partners:
        fields[funding_field(org.id)] = IntegerField(
            _("Finansiering från %(name)s (kr per år)", name=org.name), validators=[Optional()]
        )
    for kind in GoalKind:
        fields[goal_field(kind)] = IntegerField(labels.GOAL_KIND_LABELS[kind.value], validators=[Optional()])
    form_class = type("ProgrammeSettingsForm", (ProgrammeForm,), fields)
    form = form_class(**kwargs)
    form.parties.choices = [(o.id, o.name) for o in partners]
    return form


class MilestoneForm(FlaskForm):
    plan: Sequence[MilestoneRow] = ()

    def quarter_fields(self) -> list[tuple[MilestoneRow, Any]]:
        return [(row, getattr(self, milestone_field(row.quarter.calendar_start))) for row in self.plan]

    def edits(self) -> dict[Any, Any]:
        """The typed targets; a frozen (past) quarter's is shown, not edited."""
        return {row.quarter.calendar_start: f.data for row, f in self.quarter_fields() if not row.frozen}


def milestone_form(plan: Sequence[MilestoneRow], **kwargs: Any) -> MilestoneForm:
    fields: dict[str, Any] = {"plan": tuple(plan)}
    for row in plan:
        fields[milestone_field(row.quarter.calendar_start)] = IntegerField(
            _("Mål till och med %(q)s", q=row.quarter.label), validators=[Optional()]
        )
    form = type("QuarterMilestoneForm", (MilestoneForm,), fields)(**kwargs)
    if not form.is_submitted():
        for row, f in form.quarter_fields():
            f.data = row.edited
    return form
