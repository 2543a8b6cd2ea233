"""Forms for group activities: the activity itself, registering a participant, and the
filter of the list. Attendance is one form with a row per participant (see the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models.enums import ActivityType

from .. import labels


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class ActivityForm(FlaskForm):
    type = SelectField(
        _l("Typ av aktivitet"), choices=[(t.value, labels.ACTIVITY_TYPE_LABELS[t.value]) for t in ActivityType]
    )
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ge aktiviteten en rubrik.")), Length(max=200)])
    day = DateField(_l("Dag"), validators=[InputRequired(_l("Ange dag."))])
    start = TimeField(_l("Starttid"), validators=[InputRequired(_l("Ange starttid."))])
    end = TimeField(_l("Sluttid"), validators=[InputRequired(_l("Ange sluttid."))])
    place = StringField(_l("Plats"), validators=[Length(max=200)])
    capacity = IntegerField(
        _l("Antal platser"),
        default=20,
        validators=[InputRequired(_l("Ange antal platser.")), NumberRange(min=1, max=1000, message=_l("Ange 1–1000."))],
    )
    responsible = SelectField(_l("Ansvarig"), coerce=_int_or_none, validate_choice=False)
    notes = TextAreaField(_l("Anteckningar"), validators=[Length(max=5000)])


class RegisterForm(FlaskForm):
    candidate = SelectField(
        _l("Anmäl deltagare"), coerce=_int_or_none, validate_choice=False,
        validators=[InputRequired(_l("Välj deltagare."))],
    )


class AttendanceForm(FlaskForm):
    """Carries the CSRF token; the rows are read as `status-<participant id>`."""


class UnregisterForm(FlaskForm):
    """Carries the CSRF token of the per-row "avanmäl" buttons."""


class ActivityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(
        _l("Typ"),
        choices=[("", _l("Alla"))] + [(t.value, labels.ACTIVITY_TYPE_LABELS[t.value]) for t in ActivityType],
        default="",
    )
    when = SelectField(
        _l("Visa"), choices=[("upcoming", _l("Kommande")), ("past", _l("Genomförda"))], default="upcoming"
    )
    page = IntegerField(validators=[Optional()])
