"""Questionnaires: the question sets (project leaders and admins), sending links about visits
(project leaders), and the public answer page `/enkat/<token>` that needs no login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any, Optional

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Survey, SurveyInvitation, SurveyQuestion, Visit, clock
from models.enums import SurveyMoment, VisitStatus
from models.operations import surveys as survey_ops
from models.operations.errors import DomainError

from .. import links
from .. import permissions as perm
from ..errors import form_on_page, refusal_goes_to, refusal_page, show_on_form
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from ..transactions import LostRace
from .forms import QuestionForm, SendForm, SurveyForm, answer_page
from .service import (
    EMPLOYEE_LINK_MAX_AGE,
    EMPLOYEE_LINK_PURPOSE,
    LINK_MAX_AGE,
    LINK_PURPOSE,
    send_due_invitations,
    send_invitation,
)

bp = Blueprint("surveys", __name__)
SEND_WINDOW_DAYS = 45


def _form_page(template: str, form: Any, **context: Any) -> tuple[str, int]:
    """A form page: 422 when the form has errors (a refusal's included)."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def _survey_or_404(survey_id: int) -> Survey:
    require(perm.can_manage_surveys(current_user))
    return get_or_404(Survey, survey_id)


def _question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    question = get_or_404(SurveyQuestion, question_id)
    if question.survey_id != survey.id:
        abort(404)
    return question


# --- question sets ----------------------------------------------------------------------------
@bp.route("/enkater/")
@login_required
def index():  # type: ignore[no-untyped-def]
    require(perm.can_manage_surveys(current_user))
    surveys = db.session.scalars(sa.select(Survey).order_by(Survey.moment, Survey.active.desc(), Survey.id)).all()
    return render_template(
        "surveys/index.html", surveys=surveys, counts=survey_ops.invitation_counts(db.session, [s.id for s in surveys]),
        can_send=perm.can_send_surveys(current_user),
    )


@bp.route("/enkater/ny", methods=["GET", "POST"])
@login_required
def new_set():  # type: ignore[no-untyped-def]
    require(perm.can_manage_surveys(current_user))
    form = SurveyForm()
    page = partial(_form_page, "surveys/set_form.html", form, survey=None)
    if form.validate_on_submit():
        form_on_page(form, page)
        survey = survey_ops.save_survey(
            db.session, name=form.name.data, moment=SurveyMoment(form.moment.data), active=form.active.data,
            by=current_user,
        )
        flash(_("Frågeuppsättningen är skapad. Lägg till frågorna."), "success")
        return redirect(url_for("surveys.edit_set", survey_id=survey.id))
    return page()


@bp.route("/enkater/<int:survey_id>", methods=["GET", "POST"])
@login_required
def edit_set(survey_id: int):  # type: ignore[no-untyped-def]
    survey = _survey_or_404(survey_id)
    form = SurveyForm(obj=survey if request.method == "GET" else None)
    page = partial(_form_page, "surveys/set_form.html", form, survey=survey, action_form=SendForm())
    if request.method == "GET":
        form.moment.data = survey.moment.value
    elif form.validate():
        form_on_page(form, page)
        survey_ops.save_survey(
            db.session, name=form.name.data, moment=SurveyMoment(form.moment.data), active=form.active.data,
            survey=survey,
        )
        flash(_("Frågeuppsättningen är sparad."), "success")
        return redirect(url_for("surveys.edit_set", survey_id=survey.id))
    return page()


@bp.route("/enkater/<int:survey_id>/fragor/ny", methods=["GET", "POST"])
@bp.route("/enkater/<int:survey_id>/fragor/<int:question_id>", methods=["GET", "POST"])
@login_required
def question(survey_id: int, question_id: Optional[int] = None):  # type: ignore[no-untyped-def]
    survey = _survey_or_404(survey_id)
    existing = _question_or_404(survey, question_id) if question_id is not None else None
    form = QuestionForm()
    page = partial(_form_page, "surveys/question_form.html", form, survey=survey, question=existing)
    if existing is not None and not form.is_submitted():
        form.load(existing)
    elif form.validate_on_submit():
        form_on_page(form, page)
        saved = survey_ops.save_question(db.session, survey, form.to_data(), existing, by=current_user)
        if saved.survey_id != survey.id:
            flash(_("Enkäten hade redan skickats ut, så ändringen blev en ny version (version %(v)s). Svar jämförs "
                    "bara inom samma version.", v=saved.survey.version), "success")
        else:
            flash(_("Frågan är sparad."), "success")
        return redirect(url_for("surveys.edit_set", survey_id=saved.survey_id))
    return page()


@bp.route("/enkater/<int:survey_id>/fragor/<int:question_id>/<action>", methods=["POST"])
@login_required
def question_action(survey_id: int, question_id: int, action: str):  # type: ignore[no-untyped-def]
    survey = _survey_or_404(survey_id)
    existing = _question_or_404(survey, question_id)
    actions = {
        "upp": lambda: survey_ops.move_question(db.session, existing, -1),
        "ner": lambda: survey_ops.move_question(db.session, existing, +1),
        "ta-bort": lambda: survey_ops.delete_question(db.session, existing),
    }
    if action not in actions:
        abort(404)
    refusal_goes_to(url_for("surveys.edit_set", survey_id=survey.id))
    actions[action]()
    return redirect(url_for("surveys.edit_set", survey_id=survey.id))


# --- sending about visits ---------------------------------------------------------------------
@bp.route("/enkater/skicka", methods=["GET", "POST"])
@login_required
def send():  # type: ignore[no-untyped-def]
    """What the rules call for now (sent with one button), and recent visits to send by hand."""
    require(perm.can_send_surveys(current_user))
    if request.method == "POST":
        sent, skipped = send_due_invitations()
        audit("surveys_sent", sent=sent, skipped=skipped)
        flash(_("%(n)s enkäter skickade, %(m)s saknade e-postadress.", n=sent, m=skipped), "success")
        return redirect(url_for("surveys.send"))
    now = clock.now()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.status.in_((VisitStatus.CONFIRMED, VisitStatus.COMPLETED)),
            Visit.start_at > now - dt.timedelta(days=SEND_WINDOW_DAYS),
            Visit.start_at < now + dt.timedelta(days=SEND_WINDOW_DAYS),
        )
        .order_by(Visit.start_at)
    ).all()
    invited = {
        (inv.visit_id, inv.survey.moment)
        for inv in db.session.scalars(
            sa.select(SurveyInvitation).where(SurveyInvitation.visit_id.in_([v.id for v in visits]))
        )
    }
    return render_template(
        "surveys/send.html", due=survey_ops.due_invitations(db.session, now=now),
        activity_due=survey_ops.due_activity_invitations(db.session, now=now), visits=visits, invited=invited,
        form=SendForm(), moments=list(SurveyMoment),
    )


@bp.route("/enkater/skicka/besok/<int:visit_id>", methods=["POST"])
@login_required
def send_for_visit(visit_id: int):  # type: ignore[no-untyped-def]
    require(perm.can_send_surveys(current_user))
    visit = get_or_404(Visit, visit_id)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    refusal_goes_to(url_for("surveys.send"))
    invitation = send_invitation(SurveyMoment(form.moment.data), visit)
    audit("survey_sent", invitation, visit_id=visit.id)
    flash(_("Enkäten är skickad."), "success")
    return redirect(url_for("surveys.send"))


# --- the public answer page -------------------------------------------------------------------
def _wording() -> str:
    if str(get_locale()) == "en":
        return "en"
    return "easy_sv" if request.args.get("lattlast") == "1" else "sv"


def _link_problem(problem: str, status: int):  # type: ignore[no-untyped-def]
    return render_template("surveys/link_problem.html", problem=problem), status


def _read_link(token: str, purpose: str, max_age: dt.timedelta) -> tuple[Optional[links.LinkClaim], Any]:
    """The link's claim, or the page that says what is wrong with it (404 broken, 410 old)."""
    try:
        return links.read_token(token, purpose, max_age=max_age), None
    except links.LinkError as exc:
        status = 404 if exc.problem == links.LinkProblem.INVALID else 410
        return None, _link_problem(exc.problem.value, status)


@bp.route("/enkat/<token>", methods=["GET", "POST"])
def answer(token: str):  # type: ignore[no-untyped-def]
    claim, problem = _read_link(token, LINK_PURPOSE, LINK_MAX_AGE)
    if claim is None:
        return problem
    invitation = db.session.get(SurveyInvitation, claim.object_id)
    if invitation is None:
        return _link_problem("invalid", 404)
    refusal_page(lambda closed: _link_problem(closed.code, 410))
    survey_ops.check_open(invitation)

    pages = survey_ops.pages(invitation.survey)
    number = min(max(request.args.get("sida", 1, type=int) or 1, 1), len(pages))
    wording = _wording()
    form = answer_page(pages[number - 1], invitation.answers, wording)
    page = partial(
        _form_page, "surveys/answer.html", form, number=number, pages=len(pages), token=token, wording=wording,
        for_participant=survey_ops.is_participant_moment(invitation.survey.moment),
    )
    if form.validate_on_submit():
        refusal_page(partial(_answer_refused, form, page))
        survey_ops.save_answers(db.session, invitation, form.answers())
        if "finish" in request.form and number == len(pages):
            survey_ops.complete(db.session, invitation)
            links.use_token(claim)
            return render_template("surveys/thanks.html", wording=wording)
        step = -1 if "back" in request.form else 1
        return redirect(_page_url(token, min(max(number + step, 1), len(pages))))
    return page()


@bp.route("/enkat/medarbetare/<token>", methods=["GET", "POST"])
def employee_answer(token: str):  # type: ignore[no-untyped-def]
    """The colleagues' questionnaire: a link the supervisor forwards, answered anonymously as
    often as there are colleagues; each sending is one answer for the company."""
    claim, problem = _read_link(token, EMPLOYEE_LINK_PURPOSE, EMPLOYEE_LINK_MAX_AGE)
    if claim is None:
        return problem
    visit = db.session.get(Visit, claim.object_id)
    survey = survey_ops.employee_survey(db.session)
    if visit is None or survey is None:
        return _link_problem("invalid", 404)
    refusal_page(lambda closed: _link_problem(closed.code, 410))
    survey_ops.check_employee_link(visit)
    wording = _wording()
    questions = sorted(survey.questions, key=lambda q: q.position)
    form = answer_page(questions, [], wording)
    page = partial(_form_page, "surveys/employee_answer.html", form, token=token, wording=wording)
    if form.validate_on_submit():
        refusal_page(partial(_answer_refused, form, page))
        survey_ops.save_employee_answers(db.session, visit, form.answers())
        return render_template("surveys/thanks.html", wording=wording, employee=True)
    return page()


def _answer_refused(form: Any, page: Callable[[], Any], refusal: DomainError) -> Any:
    """The page of answers again with the refusal; a race lost to a second use of the same
    link (the nonce's key) is a used link."""
    if isinstance(refusal, LostRace):
        return _link_problem("used", 410)
    show_on_form(form, refusal)
    return page()


def _page_url(token: str, number: int) -> str:
    return url_for("surveys.answer", token=token, sida=number, lattlast=request.args.get("lattlast"))


def _surveys_panel(user: Any) -> dict[str, Any]:
    due = survey_ops.count_due_invitations(db.session) if perm.can_send_surveys(user) else None
    return {"due": due}


register_panel(
    Panel("surveys", perm.can_manage_surveys, "surveys/_panel.html", _surveys_panel, order=45)
)
