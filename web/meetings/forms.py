"""Forms of the meeting pages and of the two public pages (the open sign-up and the answer to an
invitation). The voluntary questions about the representative are optional everywhere."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models.enums import SizeClass
from models.meetings import MeetingKind

from .. import labels

KIND_LABELS = {MeetingKind.DIALOGUE.value: _l("Dialogträff"), MeetingKind.THEME.value: _l("Tematräff")}
GENDER_CHOICES = [("", _l("Vill inte svara")), ("woman", _l("Kvinna")), ("man", _l("Man")), ("other", _l("Annat"))]
BACKGROUND_CHOICES = [
    ("", _l("Vill inte svara")),
    ("foreign", _l("Född utomlands, eller båda föräldrarna födda utomlands")),
    ("swedish", _l("Född i Sverige med minst en förälder född i Sverige")),
]
SIZE_CHOICES = [(s.value, labels.SIZE_CLASS_LABELS[s.value]) for s in SizeClass]


def _quota(label: object) -> IntegerField:
    return IntegerField(label, default=30, validators=[
        InputRequired(_l("Ange antal platser.")), NumberRange(min=0, max=1000, message=_l("Ange 0–1000."))])


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Typ av möte"), choices=list(KIND_LABELS.items()))
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ge mötet en rubrik.")), Length(max=200)])
    theme = StringField(_l("Tema"), validators=[Length(max=300)])
    day = DateField(_l("Dag"), validators=[InputRequired(_l("Ange dag."))])
    start = TimeField(_l("Starttid"), validators=[InputRequired(_l("Ange starttid."))])
    end = TimeField(_l("Sluttid"), validators=[InputRequired(_l("Ange sluttid."))])
    place = StringField(_l("Plats"), validators=[Length(max=200)])
    capacity = IntegerField(_l("Antal platser"), default=90, validators=[
        InputRequired(_l("Ange antal platser.")), NumberRange(min=1, max=1000, message=_l("Ange 1–1000."))])
    quota_city = _quota(_l("Platser: stadens rekommendationer"))
    quota_organisation = _quota(_l("Platser: organisationernas rekommendationer"))
    quota_open = _quota(_l("Platser: öppen anmälan"))
    open_signup = BooleanField(_l("Öppen anmälan på webben"), default=True)
    themes_discussed = TextAreaField(_l("Teman som togs upp (ett per rad)"), validators=[Length(max=5000)])
    version = HiddenField()


class CompanyFields(FlaskForm):
    company_name = StringField(_l("Företagets namn"), validators=[DataRequired(_l("Ange företagets namn.")),
                                                                  Length(max=200)])
    org_number = StringField(_l("Organisationsnummer"), validators=[DataRequired(_l("Ange organisationsnummer."))])
    industry = StringField(_l("Bransch"), validators=[Length(max=120)])
    size_class = SelectField(_l("Storlek"), choices=SIZE_CHOICES)
    contact_name = StringField(_l("Kontaktperson"), validators=[Length(max=200)])
    email = EmailField(_l("E-post"), validators=[DataRequired(_l("Ange en e-postadress.")), Length(max=254)])


class VoluntaryFields(FlaskForm):
    representative_gender = RadioField(_l("Representantens kön (frivilligt)"), choices=GENDER_CHOICES, default="",
                                       validate_choice=False)
    representative_background = RadioField(_l("Representantens bakgrund (frivilligt)"), choices=BACKGROUND_CHOICES,
                                            default="", validate_choice=False)


class SignupForm(CompanyFields, VoluntaryFields):
    """The open sign-up."""


class InviteForm(CompanyFields):
    channel = SelectField(_l("Kanal"), choices=[("city", _l("Stadens rekommendationer")),
                                                ("organisation", _l("Organisationernas rekommendationer"))])
    company = SelectField(_l("Företag i registret"), coerce=str, validate_choice=False, choices=[])
    recommended_by = StringField(_l("Rekommenderat av"), validators=[Length(max=200)])

    def registered_chosen(self) -> bool:
        return bool(self.company.data)


class InvitationAnswerForm(VoluntaryFields):
    contact_name = StringField(_l("Vem kommer från företaget?"), validators=[Length(max=200)])


class TargetsForm(FlaskForm):
    """The selection's target shares in percent (read from the query string; nothing is saved)."""

    class Meta:
        csrf = False

    industry = TextAreaField(_l("Bransch: en per rad, namn och andel i procent"), default="")
    size_micro = DecimalField(_l("Mikroföretag (0–9), %"), validators=[Optional(), NumberRange(0, 100)])
    size_small = DecimalField(_l("Små företag (10–49), %"), validators=[Optional(), NumberRange(0, 100)])
    size_medium = DecimalField(_l("Medelstora företag (50–249), %"), validators=[Optional(), NumberRange(0, 100)])
    size_large = DecimalField(_l("Stora företag (250+), %"), validators=[Optional(), NumberRange(0, 100)])
    gender_woman = DecimalField(_l("Kvinnor bland dem som svarat, %"), validators=[Optional(), NumberRange(0, 100)])
    background_foreign = DecimalField(_l("Utländsk bakgrund bland dem som svarat, %"),
                                      validators=[Optional(), NumberRange(0, 100)])


class CsrfForm(FlaskForm):
    """Carries the CSRF token of a button (apply the selection, cancel, attendance, add to register)."""
