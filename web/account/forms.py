"""Forms for one's own account security: setting a password by link."""

from flask_wtf import FlaskForm

from ..forms import new_password_fields


class SetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()
