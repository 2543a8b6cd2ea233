"""Personal API tokens on a page: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import ApiToken
from models.operations import api_tokens

from .. import permissions as perm
from ..errors import form_on_page, refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from .forms import TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/api-nycklar")

register_panel(Panel("api_tokens", perm.can_use_api_tokens, "tokens/_panel.html", order=900))


def _index(form: TokenForm, status: int = 200):  # type: ignore[no-untyped-def]
    tokens = api_tokens.tokens_of(db.session, current_user)
    reference = "api_reference.reference"
    reference_url = url_for(reference) if reference in current_app.view_functions else None
    return render_template(
        "tokens/index.html", form=form, tokens=tokens, is_live=api_tokens.is_live, reference_url=reference_url
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index():  # type: ignore[no-untyped-def]
    form = TokenForm()
    if not form.validate_on_submit():
        return _index(form, 422 if form.errors else 200)
    user = current_user._get_current_object()
    days = int(form.expires_days.data) if form.expires_days.data else None
    form_on_page(form, lambda: _index(form))
    token, raw = api_tokens.issue_token(db.session, user, name=form.name.data or "", expires_days=days)
    audit("api_token_created", token, owner_id=user.id)
    return render_template("tokens/created.html", token=token, secret=raw)


@bp.route("/alla")
@login_required
def all_tokens():  # type: ignore[no-untyped-def]
    require(perm.can_view_all_tokens(current_user))
    tokens = api_tokens.tokens_of(db.session)
    return render_template("tokens/all.html", tokens=tokens, is_live=api_tokens.is_live)


@bp.route("/<int:token_id>/aterkalla", methods=["POST"])
@login_required
def revoke(token_id: int):  # type: ignore[no-untyped-def]
    token = get_or_404(ApiToken, token_id)
    require(perm.can_manage_token(current_user, token.user), token)
    back = url_for("tokens.index" if token.user_id == current_user.id else "tokens.all_tokens")
    refusal_goes_to(back, "warning")
    api_tokens.revoke_token(db.session, token)
    audit("api_token_revoked", token, owner_id=token.user_id)
    flash(_("Nyckeln %(name)s är återkallad och fungerar inte längre.", name=token.name), "success")
    return redirect(back)
