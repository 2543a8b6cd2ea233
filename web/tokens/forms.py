"""The form for a new personal API token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

EXPIRY_CHOICES = [
    ("30", _l("30 dagar")),
    ("90", _l("90 dagar")),
    ("365", _l("1 år")),
    ("", _l("Tills den återkallas")),
]


class TokenForm(FlaskForm):
    name = StringField(
        _l("Namn på nyckeln"),
        validators=[
            DataRequired(_l("Ge nyckeln ett namn, till exempel systemet som ska använda den.")),
            Length(max=100, message=_l("Namnet får vara högst 100 tecken.")),
        ],
    )
    expires_days = SelectField(_l("Giltighetstid"), choices=EXPIRY_CHOICES, default="90")
