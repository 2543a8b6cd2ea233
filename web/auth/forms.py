"""Forms for logging in (password, then a one-time code) and changing one's password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from models.operations import fields

from ..forms import FieldRule, new_password_fields


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Ange din e-postadress.")), FieldRule(fields.email_address)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Ange ditt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(_l("Ange ditt nuvarande lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Språk"), choices=[("sv", "Svenska"), ("en", "English")])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Kod från din app"),
        validators=[DataRequired(_l("Skriv koden från din app."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "7"},
    )
