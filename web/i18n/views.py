"""No pages: this blueprint only gives templates the `tr` filter, which shows a message from
models/ (an import row's problem, say) in the user's language: `{{ e.problem|tr }}`."""

from __future__ import annotations

from flask import Blueprint

from . import translate

bp = Blueprint("i18n", __name__)
bp.add_app_template_filter(translate, "tr")
