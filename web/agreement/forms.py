"""Forms for recording an extension or another change of the agreement: a day and a signer per
party, the reason, and (for an extension) new goal targets. The rules live in
models/operations/agreement.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from models import Organisation, Programme
from models.enums import AgreementChangeKind
from models.operations.agreement import Approval, approval_field

from .. import labels


class _ApprovalsForm(FlaskForm):
    reason = TextAreaField(_l("Skäl"), validators=[Optional()])
    parties: Sequence[Organisation] = ()

    def party_fields(self) -> list[tuple[Organisation, Any, Any]]:
        return [
            (o, getattr(self, approval_field(o.id)), getattr(self, f"signed_{o.id}")) for o in self.parties
        ]

    def approvals(self) -> dict[int, Approval]:
        return {o.id: Approval(day.data, signer.data or "") for o, day, signer in self.party_fields()}


def _party_fields(parties: Sequence[Organisation]) -> dict[str, Any]:
    fields: dict[str, Any] = {"parties": tuple(parties)}
    for org in parties:
        fields[approval_field(org.id)] = DateField(
            _("Dag då %(name)s godkände", name=org.name), validators=[Optional()]
        )
        fields[f"signed_{org.id}"] = StringField(
            _("Undertecknat för %(name)s av", name=org.name), validators=[Optional(), Length(max=200)]
        )
    return fields


class ExtensionForm(_ApprovalsForm):
    programme: Programme

    def goal_fields(self) -> list[Any]:
        return [getattr(self, f"goal_{g.kind.value}") for g in self.programme.goals]

    def new_targets(self) -> dict[Any, Any]:
        return {g.kind: getattr(self, f"goal_{g.kind.value}").data for g in self.programme.goals}


def extension_form(programme: Programme, **kwargs: Any) -> ExtensionForm:
    fields = _party_fields(sorted(programme.parties, key=lambda o: o.name))
    fields["programme"] = programme
    for goal in programme.goals:
        fields[f"goal_{goal.kind.value}"] = IntegerField(
            _("Nytt mål: %(goal)s (nu %(n)s)", goal=labels.GOAL_KIND_LABELS[goal.kind.value], n=goal.target),
            validators=[Optional()],
        )
    return type("AgreementExtensionForm", (ExtensionForm,), fields)(**kwargs)


CHANGE_KINDS = [k for k in AgreementChangeKind if k != AgreementChangeKind.EXTENSION]


class ChangeForm(_ApprovalsForm):
    kind = SelectField(_l("Vad ändras"), coerce=str)
    summary = TextAreaField(_l("Ändringen"), validators=[Optional()])


def change_form(programme: Programme, **kwargs: Any) -> ChangeForm:
    form = type("AgreementChangeForm", (ChangeForm,), _party_fields(sorted(programme.parties, key=lambda o: o.name)))(
        **kwargs
    )
    form.kind.choices = [(k.value, labels.AGREEMENT_CHANGE_LABELS[k.value]) for k in CHANGE_KINDS]
    return form
