"""The start page each role lands on, the health check, language choice and help pages."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_from_directory, session
from flask_login import current_user, login_required
from markupsafe import Markup

from ..extensions import csrf, db
from ..helpers import safe_next
from .panels import panels_for

bp = Blueprint("main", __name__)

ROLE_GUIDES = ("project_leader", "welfare_officer", "employer", "steering", "selection_partner", "admin")


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("main/start.html", panels=panels_for(current_user))


@bp.route("/healthz")
@csrf.exempt
def healthz():  # type: ignore[no-untyped-def]
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database is "db: error"
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
    return redirect(safe_next(request.form.get("next")))


@bp.route("/tillganglighet")
def accessibility():  # type: ignore[no-untyped-def]
    return render_template("main/accessibility.html")


@bp.route("/hjalp")
def help_index():  # type: ignore[no-untyped-def]
    return render_template("main/help.html", guides=ROLE_GUIDES)


GUIDE_DIR = Path(__file__).resolve().parents[2] / "docs" / "guide"
GUIDE_LANGUAGES = ("sv", "en")


@bp.route("/hjalp/<lang>/<name>")
def guide(lang: str, name: str):  # type: ignore[no-untyped-def]
    """A role's user guide (docs/guide/<lang>/<role>.md) as a page, and the screenshots it
    shows: the guides link them as ../screenshots/<file>.png, which resolves to this same
    route both here (/hjalp/screenshots/<file>.png) and when the markdown is read in the repo."""
    if lang == "screenshots" and name.endswith(".png"):
        return send_from_directory(GUIDE_DIR / "screenshots", name, mimetype="image/png", max_age=3600)
    if lang not in GUIDE_LANGUAGES or name not in ROLE_GUIDES:
        abort(404)
    path = GUIDE_DIR / lang / f"{name}.md"
    if not path.is_file():  # an installation without the docs folder
        abort(404)
    from markdown_it import MarkdownIt  # here: only the guide pages need it (~1 MB per worker)

    # Markdown from the repository with raw HTML switched off: markdown-it escapes all text.
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(path.read_text(encoding="utf-8"))
    safe = Markup(html)  # noqa: S704 # nosec B704
    return render_template("main/help.html", guides=ROLE_GUIDES, guide=safe, guide_lang=lang, role=name)


