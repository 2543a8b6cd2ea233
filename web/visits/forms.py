"""Forms for booking a visit, moving it through its statuses, and filtering the visit list.

The booking rules live in models/operations/visits.py; the forms only parse what was typed.
Every status form carries the visit's version, so a form left open while someone else changed
the visit is refused instead of overwriting their change.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models.enums import Party, VisitStatus
from models.operations import fields

from .. import labels
from ..forms import FieldRule


def _coerce_int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class AvailabilityOverrideFields:
    """Booking outside the participant's weekdays or times of day: a deliberate choice with a
    written reason (models/operations/availability.py), kept on the visit and in its history."""

    outside_availability = BooleanField(_l("Boka ändå utanför deltagarens tillgänglighet"))
    availability_reason = TextAreaField(_l("Varför bokas besöket ändå?"), validators=[Length(max=2000)])

    @property
    def availability_override(self) -> str | None:
        """The reason to give the booking: None unless the box is ticked."""
        if not self.outside_availability.data:  # type: ignore[attr-defined]
            return None
        return self.availability_reason.data or ""  # type: ignore[attr-defined]


class BookingForm(AvailabilityOverrideFields, FlaskForm):
    candidate = SelectField(
        _l("Deltagare"), coerce=_coerce_int_or_none, validators=[InputRequired(_l("Välj deltagare."))]
    )
    offer = SelectField(
        _l("Erbjudande"), coerce=_coerce_int_or_none, validators=[InputRequired(_l("Välj erbjudande."))]
    )
    day = DateField(_l("Dag"), validators=[InputRequired(_l("Ange dag för besöket."))])
    start = TimeField(_l("Starttid"), validators=[InputRequired(_l("Ange starttid."))])
    end = TimeField(_l("Sluttid"), validators=[InputRequired(_l("Ange sluttid."))])
    supervisor_name = StringField(_l("Handledarens namn"), validators=[Length(max=200)])
    supervisor_email = EmailField(_l("Handledarens e-postadress"), validators=[FieldRule(fields.email_address)])
    allow_holiday = BooleanField(_l("Boka ändå (företaget har öppet den dagen)"))


class VersionedForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])

    @property
    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class SimpleStatusForm(VersionedForm):
    """Accept (recorded for the company), confirm, or record a no-show."""

    reason = TextAreaField(_l("Kommentar (frivillig)"), validators=[Length(max=2000)])


class DeclineForm(VersionedForm):
    decline_reason = SelectField(_l("Skäl"), choices=labels.choices(labels.DECLINE_REASON_LABELS))
    reason = TextAreaField(_l("Kommentar (frivillig)"), validators=[Length(max=2000)])


CANCEL_PARTIES = (Party.PARTICIPANT, Party.EMPLOYER, Party.PROJECT_LEADER)


class CancelForm(VersionedForm):
    party = SelectField(
        _l("Vem avbokar?"),
        choices=[(p.value, labels.PARTY_LABELS[p.value]) for p in CANCEL_PARTIES],
        default=Party.PROJECT_LEADER.value,
    )
    reason = TextAreaField(
        _l("Skäl"), validators=[DataRequired(_l("Skriv varför besöket avbokas.")), Length(max=2000)]
    )


class _ActualTimes(VersionedForm):
    actual_start = TimeField(_l("Faktisk starttid"), validators=[InputRequired(_l("Ange starttid."))])
    actual_end = TimeField(_l("Faktisk sluttid"), validators=[InputRequired(_l("Ange sluttid."))])
    # Asked for only when the times make the visit shorter than 4 or longer than 8 hours.
    confirm_length = BooleanField(_l("Tiderna stämmer: spara ändå (besöket räknas inte mot målet)"))


class CompleteForm(_ActualTimes):
    pass


class CorrectTimesForm(_ActualTimes):
    reason = TextAreaField(
        _l("Varför rättas tiderna?"),
        validators=[DataRequired(_l("Skriv varför tiderna rättas.")), Length(max=2000)],
    )


class CorrectForm(VersionedForm):
    """The outcome's correction: a completed visit to a no-show (a reason only), or a no-show to
    completed (with the times it was held)."""

    actual_start = TimeField(_l("Faktisk starttid"), validators=[Optional()])
    actual_end = TimeField(_l("Faktisk sluttid"), validators=[Optional()])
    reason = TextAreaField(
        _l("Varför rättas utfallet?"),
        validators=[DataRequired(_l("Skriv varför utfallet rättas.")), Length(max=2000)],
    )


class RescheduleForm(AvailabilityOverrideFields, VersionedForm):
    day = DateField(_l("Ny dag"), validators=[InputRequired(_l("Ange dag."))])
    start = TimeField(_l("Ny starttid"), validators=[InputRequired(_l("Ange starttid."))])
    end = TimeField(_l("Ny sluttid"), validators=[InputRequired(_l("Ange sluttid."))])
    allow_holiday = BooleanField(_l("Boka ändå (företaget har öppet den dagen)"))


class VisitFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[("", _l("Alla"))] + [(s.value, labels.VISIT_STATUS_LABELS[s.value]) for s in VisitStatus],
        default="",
    )
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
    q = SearchField(_l("Deltagare eller företag"), validators=[Optional(), Length(max=100)])
    page = IntegerField(validators=[Optional()])


class FeedForm(FlaskForm):
    """Create a new personal feed address (the old one, if any, keeps working until revoked)."""


class RevokeFeedForm(FlaskForm):
    feed_id = HiddenField(validators=[DataRequired()])
