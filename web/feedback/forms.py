"""The feedback template's form. Range rules live in models/operations/feedback.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from models import Feedback
from models.operations.feedback import FeedbackData

from .. import labels

SCALE = [
    ("1", _l("1 – mycket dåligt")),
    ("2", _l("2")),
    ("3", _l("3")),
    ("4", _l("4")),
    ("5", _l("5 – mycket bra")),
]
YES_NO = [("yes", _l("Ja")), ("no", _l("Nej"))]


class FeedbackForm(FlaskForm):
    punctuality = RadioField(_l("Passade tiderna (punktlighet)"), choices=SCALE, validate_choice=False,
                             validators=[Optional()])
    interest = RadioField(_l("Visade intresse och engagemang"), choices=SCALE, validate_choice=False,
                          validators=[Optional()])
    overall = RadioField(_l("Helhetsintryck"), choices=SCALE, validate_choice=False, validators=[Optional()])
    strengths = TextAreaField(_l("Det här gjorde besökaren bra (styrkor vi såg)"), validators=[Optional()])
    to_develop = TextAreaField(_l("Det här kan besökaren utveckla"), validators=[Optional()])
    would_welcome_again = RadioField(_l("Skulle ni ta emot besökaren igen?"), choices=YES_NO, validate_choice=False,
                                     validators=[Optional()])
    further_interest = RadioField(
        _l("Är ni intresserade av att gå vidare?"), choices=labels.choices(labels.FURTHER_INTEREST_LABELS),
        default="none", validate_choice=False, validators=[Optional()],
    )
    message_to_participant = TextAreaField(_l("Hälsning till besökaren"), validators=[Optional()])
    internal_note = TextAreaField(_l("Anteckning till projektledaren och handläggaren"), validators=[Optional()])
    filled_by_name = StringField(_l("Ifylld av"), validators=[Optional(), Length(max=200)])

    def load(self, feedback: Feedback) -> None:
        for name in ("punctuality", "interest", "overall"):
            value = getattr(feedback, name)
            getattr(self, name).data = str(value) if value is not None else None
        self.would_welcome_again.data = "yes" if feedback.would_welcome_again else "no"
        self.further_interest.data = feedback.further_interest.value
        for name in ("strengths", "to_develop", "message_to_participant", "internal_note", "filled_by_name"):
            getattr(self, name).data = getattr(feedback, name)

    def to_data(self) -> FeedbackData:
        answer = self.would_welcome_again.data
        return FeedbackData(
            would_welcome_again={"yes": True, "no": False}.get(answer or ""),
            punctuality=self.punctuality.data,
            interest=self.interest.data,
            overall=self.overall.data,
            strengths=self.strengths.data or "",
            to_develop=self.to_develop.data or "",
            further_interest=self.further_interest.data or "none",
            message_to_participant=self.message_to_participant.data or "",
            internal_note=self.internal_note.data or "",
            filled_by_name=self.filled_by_name.data or "",
        )
