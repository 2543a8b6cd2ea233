"""The start page each role lands on, the health check, language choice and help pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import csrf, db
from .panels import panels_for

bp = Blueprint("main", __name__)

ROLE_GUIDES = ("project_leader", "welfare_officer", "employer", "steering", "admin")


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "main/start.html", panels=panels_for(current_user), role=str(current_user.role)
    )


@bp.route("/healthz")
@csrf.exempt
def healthz():  # type: ignore[no-untyped-def]
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database is "db: error"
        db.session.rollback()
        return jsonify({"status": "error", "db": "error"}), 503
    return jsonify({"status": "ok", "db": "ok"})


@bp.route("/language", methods=["POST"])
def set_language():  # type: ignore[no-untyped-def]
    lang = request.form.get("locale", "sv")
    if lang not in ("sv", "en"):
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    target = request.form.get("next") or url_for("main.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)


@bp.route("/tillganglighet")
def accessibility():  # type: ignore[no-untyped-def]
    return render_template("main/accessibility.html")


@bp.route("/hjalp")
def help_index():  # type: ignore[no-untyped-def]
    return render_template("main/help.html", guides=ROLE_GUIDES)


