"""Pages that belong to one programme, reached from the menu without one: they go to the
programme running today (the budget, the agreement), or say that there is none."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_login import current_user

from models.operations.programme import current_programme

from . import permissions as perm
from .extensions import db


def to_current_programme(endpoint: str) -> Any:
    """A redirect to `endpoint` for the programme running today, or the page saying there is none."""
    programme = current_programme(db.session)
    if programme is None:
        return render_template("reports/no_programme.html", manage_programme=perm.can_manage_programme(current_user))
    return redirect(url_for(endpoint, programme_id=programme.id))
