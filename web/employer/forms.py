"""The employer's answer to a proposed visit: accept, or decline with a reason."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from models.enums import DeclineReason

from .. import labels


class AnswerForm(FlaskForm):
    decline_reason = RadioField(
        _l("Skäl till att ni tackar nej"),
        choices=labels.choices(labels.DECLINE_REASON_LABELS),
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Kommentar till projektledaren (frivilligt)"),
        validators=[Length(max=1000, message=_l("Skriv högst 1000 tecken."))],
    )
    version = HiddenField()
    accept = SubmitField(_l("Ja, vi tar emot besökaren"))
    decline = SubmitField(_l("Nej, vi tackar nej"))

    def validate_decline_reason(self, field: Any) -> None:
        if field.data and field.data not in DeclineReason._value2member_map_:
            raise ValidationError(_l("Välj ett av skälen i listan."))
        if self.decline.data and not field.data:
            raise ValidationError(_l("Välj varför ni tackar nej."))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.accept.data or self.decline.data):
            self.form_errors.append(str(_l("Välj om ni tar emot besökaren eller tackar nej.")))
            return False
        return True
