"""Form fields several areas' forms use."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (the `field` macro renders it as a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, for changing a password and for setting one by link.
    In a form's body: `password, confirm = new_password_fields()` (the fields keep that order)."""
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
    return password, confirm
