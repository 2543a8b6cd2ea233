"""Forms for one's own account security: setting a password by link."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[
            DataRequired(_l("Ange ett nytt lösenord.")),
            Length(min=12, message=_l("Lösenordet måste vara minst 12 tecken.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Upprepa nytt lösenord"),
        validators=[EqualTo("password", _l("Lösenorden är inte lika."))],
        render_kw={"autocomplete": "new-password"},
    )
