"""Forms of the admin area: accounts, and the audit trail's search filters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from models import Company, Organisation
from models.db import MAX_ID
from models.operations import fields

from .. import labels
from ..extensions import db
from ..forms import FieldRule

NONE_CHOICE = (0, "—")


class AccountForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Ange en e-postadress.")), FieldRule(fields.email_address)],
    )
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Ange personens namn.")), Length(max=200)]
    )
    role = SelectField(
        _l("Roll"),
        choices=[("", _l("Välj roll")), *labels.choices(labels.ROLE_LABELS)],
        validators=[DataRequired(_l("Välj vilken roll kontot ska ha."))],
    )
    organisation = SelectField(_l("Organisation eller enhet"), coerce=int)
    company = SelectField(_l("Företag"), coerce=int)
    totp_required = BooleanField(_l("Kräv tvåstegsverifiering vid inloggning"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        organisations = db.session.execute(
            sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)
        ).all()
        companies = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
        self.organisation.choices = [NONE_CHOICE, *((o.id, o.name) for o in organisations)]
        self.company.choices = [NONE_CHOICE, *((c.id, c.name) for c in companies)]


class AuditFilterForm(FlaskForm):
    """GET filters: no CSRF token (searching changes nothing), values from the query string."""

    class Meta:
        csrf = False

    actor = StringField(_l("Användare"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Händelse"), choices=[("", _l("Alla"))], validate_choice=False)
    target_type = SelectField(_l("Typ av post"), choices=[("", _l("Alla"))], validate_choice=False)
    target_id = IntegerField(
        _l("Postens id"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("Ange ett id som är 1 eller större.")),
            NumberRange(max=MAX_ID, message=_l("Ingen post har så högt id.")),
        ],
    )
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
    success = SelectField(
        _l("Utfall"),
        default="",
        choices=[("", _l("Alla")), ("1", _l("Lyckade")), ("0", _l("Misslyckade eller nekade"))]
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Slutdatumet kan inte vara före startdatumet."))
