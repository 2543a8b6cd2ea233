"""The two small forms of the sign-off: which quarter to compile, and an approval that names the
figures the member was shown (their fingerprint)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField


class CompileForm(FlaskForm):
    quarter = SelectField(_l("Kvartal"), coerce=str)


class ApproveForm(FlaskForm):
    sha256 = HiddenField()
