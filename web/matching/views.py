"""Matching pages: the recommendation lists with filters for an offer and for a candidate (the
offer and candidate pages include the same lists), the quarterly planner, the model registry and
the duel between the active model and a challenger, and the fairness audit with its
spreadsheet."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Candidate, Offer, RankerModel, clock
from models.db import optional_id
from models.operations import fairness as fairness_ops
from models.operations import matching as matching_ops
from models.operations import ranker_duel
from models.operations.companies import Quarter
from models.operations.errors import DomainError
from models.operations.spreadsheet import write_table

from .. import permissions as perm
from ..errors import refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..i18n import translate
from ..labels import language_name
from ..main.panels import Panel, register_panel
from . import exports, service
from .forms import (
    CandidateFilterForm,
    FairnessPeriodForm,
    OfferFilterForm,
    PlanForm,
    PlanRowForm,
    QuarterChoiceForm,
)

bp = Blueprint("matching", __name__, url_prefix="/matchning")
ALL_TIME = "alla"


@bp.before_request
@login_required
def _logged_in() -> None:
    """Each page checks its own permission: the audit is also the steering group's."""


@bp.app_context_processor
def _panels() -> dict[str, Any]:
    """The offer and candidate pages include their recommendation lists with these."""
    return {"matching_offer_panel": service.page_offer_panel, "matching_candidate_panel": service.page_candidate_panel,
            "matching_text": translate}


def _languages(column: Any) -> list[tuple[str, str]]:
    return _language_choices(matching_ops.language_codes(db.session, column))


def _language_choices(codes: Any) -> list[tuple[str, str]]:
    return [("", _("Alla språk"))] + sorted(((c, language_name(c)) for c in codes), key=lambda pair: pair[1])


# --- recommendation lists -------------------------------------------------------------------------
@bp.route("/erbjudanden/<int:offer_id>/rekommendationer")
def offer_recommendations(offer_id: int):  # type: ignore[no-untyped-def]
    require(perm.can_use_matching(current_user))
    offer = get_or_404(Offer, offer_id)
    require(perm.can_view_offer(current_user, offer), offer)
    form = CandidateFilterForm(request.args)
    areas, languages = matching_ops.candidate_filter_choices(db.session)
    form.area.choices = [("", _("Alla områden"))] + [(a, a) for a in areas]
    form.language.choices = _language_choices(languages)
    form.validate()
    panel = service.offer_panel(offer, current_user, filters=form.filters(), day=form.day.data,
                                limit=matching_ops.EXPOSURE_TOP)
    return render_template("matching/offer_recommendations.html", offer=offer, panel=panel, form=form)


@bp.route("/kandidater/<int:candidate_id>/rekommendationer")
def candidate_recommendations(candidate_id: int):  # type: ignore[no-untyped-def]
    require(perm.can_use_matching(current_user))
    candidate = get_or_404(Candidate, candidate_id)
    require(perm.can_open_candidate(current_user, candidate), candidate)
    form = OfferFilterForm(request.args)
    form.language.choices = _languages(Offer.languages)
    form.validate()
    panel = service.candidate_panel(candidate, current_user, filters=form.filters(), day=form.day.data,
                                    limit=matching_ops.EXPOSURE_TOP)
    return render_template("matching/candidate_recommendations.html", candidate=candidate, panel=panel, form=form)


# --- the quarterly planner ------------------------------------------------------------------------------
def _quarter_form(current: Quarter) -> tuple[QuarterChoiceForm, Quarter]:
    form = QuarterChoiceForm(request.args)
    choices = [current]
    for _step in range(4):
        choices.append(choices[-1].next())
    form.kvartal.choices = [(q.code, _("kvartal %(n)s %(year)s", n=q.number, year=q.year)) for q in choices]
    try:
        quarter = Quarter.parse(form.kvartal.data or current.code)
    except ValueError:
        quarter = current
    if quarter not in choices:
        quarter = current
    form.kvartal.data = quarter.code
    if form.rattvis.data not in ("ja", "nej"):
        form.rattvis.data = "ja"
    if form.max_travel_minutes is None:
        form.restid.data = ""
    return form, quarter


def _plan_form(plan: matching_ops.QuarterPlan) -> tuple[PlanForm, dict[int, Candidate], dict[int, Offer]]:
    ids = {row.candidate_id for row in plan.rows} | {c for others in plan.alternatives.values() for c in others}
    people = {c.id: c for c in db.session.scalars(sa.select(Candidate).where(Candidate.id.in_(ids)))}
    offer_ids = {row.offer_id for row in plan.rows}
    offers = {o.id: o for o in db.session.scalars(
        sa.select(Offer).where(Offer.id.in_(offer_ids)).options(selectinload(Offer.company)))}
    rows = [{"keep": True, "offer": row.offer_id, "candidate": str(row.candidate_id), "day": row.day,
             "start": row.start.time() if row.start else None} for row in plan.rows]
    form = PlanForm(formdata=None, data={"quarter": plan.quarter.code, "rows": rows})
    for entry, row in zip(form.rows, plan.rows, strict=True):
        choices = [row.candidate_id] + [c for c in plan.alternatives.get(row.offer_id, []) if c != row.candidate_id]
        entry.form.candidate.choices = [(str(c), people[c].display_name) for c in choices if c in people]
    return form, people, offers


@bp.route("/kvartalsplan")
def plan():  # type: ignore[no-untyped-def]
    require(perm.can_use_matching(current_user))
    choice, quarter = _quarter_form(Quarter.of(service.today()))
    result = matching_ops.plan_quarter(
        db.session, quarter, model=service.active_model(), fair=choice.rattvis.data == "ja",
        scope=perm.candidate_scope(current_user), today=service.today(), max_travel_minutes=choice.max_travel_minutes,
    )
    form, people, offers = _plan_form(result)
    return render_template("matching/plan.html", choice=choice, plan=result, form=form, people=people,
                           offers=offers, goal=exports.goal_progress(quarter),
                           rows=list(zip(form.rows, result.rows, strict=True)))


def _chosen_rows(form: PlanForm) -> list[service.ChosenRow]:
    chosen = []
    for entry in form.rows:
        row: PlanRowForm = entry.form
        if not row.keep.data:
            continue
        offer_id = optional_id(row.offer.data)
        if offer_id is None:
            continue
        chosen.append(service.ChosenRow(offer_id, optional_id(row.candidate.data), row.day.data, row.start.data))
    return chosen


@bp.route("/kvartalsplan/forslag", methods=["POST"])
def plan_create():  # type: ignore[no-untyped-def]
    require(perm.can_use_matching(current_user))
    form = PlanForm()
    form.validate()  # each row's problems are reported with the row; CSRF is checked app-wide
    chosen = _chosen_rows(form)
    if not chosen:
        flash(_("Inga rader var valda, så inga förslag skapades."), "warning")
    results = service.create_proposals(chosen, current_user)
    made = sum(1 for r in results if r.visit is not None)
    status = 200 if made or not results else 422
    return render_template("matching/plan_result.html", results=results, made=made, quarter=form.quarter.data), status


# --- the model registry ------------------------------------------------------------------------------
@bp.route("/modeller")
def models():  # type: ignore[no-untyped-def]
    require(perm.can_view_model_registry(current_user))
    rows = db.session.scalars(sa.select(RankerModel).order_by(RankerModel.created_at.desc(), RankerModel.id.desc())
                              .limit(20)).all()
    active = next((r for r in rows if r.active), None) or db.session.scalar(
        sa.select(RankerModel).where(RankerModel.active.is_(True)).limit(1))
    return render_template("matching/models.html", rows=rows, active=active, in_use=service.active_model())


# --- the ranker duel --------------------------------------------------------------------------------
@bp.route("/duell")
def duel():  # type: ignore[no-untyped-def]
    require(perm.can_view_ranker_duel(current_user))
    shown = ranker_duel.duels(db.session)
    latest = ranker_duel.summary(db.session, shown[0]) if shown else None
    return render_template("matching/duel.html", latest=latest, earlier=shown[1:],
                           can_stop=perm.can_stop_ranker_duel(current_user))


@bp.route("/duell/avsluta", methods=["POST"])
def duel_stop():  # type: ignore[no-untyped-def]
    require(perm.can_stop_ranker_duel(current_user))
    refusal_goes_to(url_for("matching.duel"))
    running = ranker_duel.running_duel(db.session)
    if running is None:
        raise DomainError("Ingen duell pågår.")
    ranker_duel.stop_duel(db.session, running)
    audit("ranker_duel_stopped", running)
    flash(_("Duellen är avslutad. Den aktiva modellen behålls."), "success")
    return redirect(url_for("matching.duel"))


# --- the fairness audit -----------------------------------------------------------------------------------
def _fairness() -> tuple[FairnessPeriodForm, fairness_ops.FairnessAudit, bool]:
    require(perm.can_view_fairness_aggregate(current_user))
    form = FairnessPeriodForm(request.args)
    current = Quarter.of(service.today())
    quarters = [current]
    for _step in range(7):
        quarters.append(quarters[-1].previous())
    form.kvartal.choices = [(ALL_TIME, _("Hela tiden"))] + [
        (q.code, _("kvartal %(n)s %(year)s", n=q.number, year=q.year)) for q in quarters]
    start = end = None
    if form.kvartal.data and form.kvartal.data != ALL_TIME:
        try:
            quarter = Quarter.parse(form.kvartal.data)
        except ValueError:
            abort(404)
        start, end = quarter.start, quarter.end
    else:
        form.kvartal.data = ALL_TIME
    audit = fairness_ops.fairness_audit(db.session, start=start, end=end, today=service.today())
    return form, audit, perm.can_view_fairness_detail(current_user)


@bp.route("/rattvisa")
def fairness():  # type: ignore[no-untyped-def]
    form, audit, detailed = _fairness()
    return render_template("matching/fairness.html", form=form, audit=audit, detailed=detailed,
                           tables=exports.fairness_tables(audit, detailed))


@bp.route("/rattvisa.xlsx")
def fairness_export():  # type: ignore[no-untyped-def]
    _form, review, detailed = _fairness()
    first, *others = exports.fairness_tables(review, detailed)
    data = write_table(first.headers, first.rows, "xlsx", sheet_title=first.title,
                       extra_sheets={t.title: (t.headers, t.rows) for t in others})
    stamp = clock.local_today().isoformat()
    audit("fairness_exported", target_type="ranker_model", format="xlsx")
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="rattvisegranskning-{stamp}.xlsx"'})


# --- start-page panel ----------------------------------------------------------------------------------
def _start_panel(user: Any) -> dict[str, Any]:
    model = service.active_model() if perm.can_view_model_registry(user) else None
    return {
        "plan": perm.can_use_matching(user),
        "models": perm.can_view_model_registry(user),
        "duel": perm.can_view_ranker_duel(user),
        "model_id": model.model_id if model else None,
        "notice": model.notice if model else None,
    }


register_panel(
    Panel("matching", perm.can_view_fairness_aggregate, "matching/_panel.html", _start_panel, order=70)
)
