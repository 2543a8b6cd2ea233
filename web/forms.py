"""Form fields several areas' forms use, and the adapter that checks a field by the domain's
rule for its kind of value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models.operations.spreadsheet import CellInvalid

from .i18n import refusal_message


class FieldRule:
    """A WTForms validator from a rule of models/operations/fields.py (`FieldRule(fields.postcode)`),
    the one the imports, the operations and the API apply; its message in the user's language."""

    def __init__(self, check: Callable[[Any], Any]):
        self.check = check

    def __call__(self, form: Any, field: Field) -> None:
        try:
            self.check(field.data)
        except CellInvalid as exc:
            raise ValidationError(refusal_message(exc)) from None


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
