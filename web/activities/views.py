"""Group activities: the list, create and edit, one activity with its participants, and
registering participants and marking attendance in bulk."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Activity, ActivityParticipant, Candidate, User, clock
from models.enums import ActivityType, AttendanceStatus, Role
from models.operations import activities as activity_ops
from models.operations import activity_lists, eligibility

from .. import permissions as perm
from ..errors import form_on_page, form_page, refusal_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..i18n import error_message
from ..pagination import paginate
from .forms import ActivityFilterForm, ActivityForm, AttendanceForm, RegisterForm, UnregisterForm

bp = Blueprint("activities", __name__)
STOCKHOLM = clock.STOCKHOLM
TYPES = {t.value for t in ActivityType}


def get_activity_or_404(activity_id: int) -> Activity:
    activity = get_or_404(Activity, activity_id)
    require(perm.can_manage_activities(current_user), activity)
    return activity


@bp.route("/aktiviteter")
@login_required
def index():  # type: ignore[no-untyped-def]
    require(perm.can_manage_activities(current_user))
    form = ActivityFilterForm(request.args)
    form.validate()
    registered = (
        sa.select(sa.func.count())
        .where(ActivityParticipant.activity_id == Activity.id)
        .correlate(Activity)
        .scalar_subquery()
    )
    filters = activity_lists.ActivityFilters(
        type=ActivityType(form.type.data) if form.type.data in TYPES else None,
        when="past" if form.when.data == "past" else "upcoming",
    )
    query = activity_lists.activity_list(perm.activity_scope(current_user), filters)
    page = paginate(db.session, query, form.page.data or 1, 50, unique=True)
    counts = dict(
        db.session.execute(
            sa.select(Activity.id, registered).where(Activity.id.in_([a.id for a in page.items]))
        ).all()
    )
    return render_template("activities/index.html", form=form, page=page, counts=counts)


def _responsible_choices() -> list[tuple[Any, str]]:
    leaders = db.session.scalars(
        sa.select(User).where(User.role == Role.PROJECT_LEADER, User.active).order_by(User.name)
    )
    return [("", _("Ingen vald"))] + [(u.id, u.name) for u in leaders]


def _data(form: ActivityForm) -> activity_ops.ActivityData:
    return activity_ops.ActivityData(
        type=form.type.data, title=form.title.data or "",
        starts_at=clock.local_datetime(form.day.data, form.start.data),
        ends_at=clock.local_datetime(form.day.data, form.end.data), place=form.place.data or "",
        capacity=form.capacity.data,
        responsible_id=form.responsible.data, notes=form.notes.data or "",
    )


def _save(form: ActivityForm, activity: Activity | None):  # type: ignore[no-untyped-def]
    """Create or update from the form; on a refusal, the form again with the message (422/409)."""
    form_page(form, "activities/form.html", activity=activity)
    if activity is None:
        activity = activity_ops.create_activity(db.session, _data(form))
    else:
        activity_ops.update_activity(db.session, activity, _data(form))
    audit("activity_saved", activity)
    flash(_("Aktiviteten är sparad."), "success")
    return redirect(url_for("activities.show", activity_id=activity.id))


@bp.route("/aktiviteter/ny", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    require(perm.can_manage_activities(current_user))
    form = ActivityForm()
    form.responsible.choices = _responsible_choices()
    if request.method == "GET":
        form.responsible.data = current_user.id
    if not form.validate_on_submit():
        return render_template("activities/form.html", form=form, activity=None), 422 if form.is_submitted() else 200
    return _save(form, None)


@bp.route("/aktiviteter/<int:activity_id>/andra", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):  # type: ignore[no-untyped-def]
    activity = get_activity_or_404(activity_id)
    form = ActivityForm(obj=activity)
    form.responsible.choices = _responsible_choices()
    if request.method == "GET":
        form.type.data = activity.type.value
        form.responsible.data = activity.responsible_id
        form.day.data = clock.local_date(activity.starts_at)
        form.start.data = activity.starts_at.astimezone(STOCKHOLM).time()
        form.end.data = activity.ends_at.astimezone(STOCKHOLM).time()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("activities/form.html", form=form, activity=activity), status
    return _save(form, activity)


def _candidate_choices(activity: Activity) -> list[tuple[Any, str]]:
    taken = sa.select(ActivityParticipant.candidate_id).where(ActivityParticipant.activity_id == activity.id)
    rows = db.session.scalars(
        sa.select(Candidate)
        .where(
            eligibility.may_take_part(with_companies=activity_ops.at_company(activity)),
            Candidate.id.not_in(taken),
        )
        .order_by(Candidate.last_name, Candidate.first_name)
    )
    return [("", _("Välj deltagare"))] + [(c.id, f"{c.last_name}, {c.first_name}") for c in rows]


def _render(activity: Activity, *, register: RegisterForm | None = None, problem: str = "", status: int = 200):
    register = register or RegisterForm(formdata=None)
    register.candidate.choices = _candidate_choices(activity)
    participants = sorted(activity.participants, key=lambda p: (p.candidate.last_name, p.candidate.first_name))
    return (
        render_template(
            "activities/show.html", activity=activity, participants=participants, register=register,
            attendance=AttendanceForm(formdata=None), unregister=UnregisterForm(formdata=None), problem=problem,
            started=clock.now() >= activity.starts_at,
        ),
        status,
    )


@bp.route("/aktiviteter/<int:activity_id>")
@login_required
def show(activity_id: int):  # type: ignore[no-untyped-def]
    return _render(get_activity_or_404(activity_id))


@bp.route("/aktiviteter/<int:activity_id>/anmal", methods=["POST"])
@login_required
def register(activity_id: int):  # type: ignore[no-untyped-def]
    activity = get_activity_or_404(activity_id)
    form = RegisterForm()
    if not form.validate_on_submit():
        return _render(activity, register=form, status=422)
    candidate = get_or_404(Candidate, form.candidate.data)
    require(perm.can_open_candidate(current_user, candidate), candidate)
    form_on_page(form, lambda: _render(activity, register=form))
    activity_ops.register_participant(db.session, activity, candidate)
    audit("activity_participant_registered", activity, candidate_id=candidate.id)
    flash(_("Deltagaren är anmäld."), "success")
    return redirect(url_for("activities.show", activity_id=activity.id))


@bp.route("/aktiviteter/<int:activity_id>/avanmal/<int:participant_id>", methods=["POST"])
@login_required
def unregister(activity_id: int, participant_id: int):  # type: ignore[no-untyped-def]
    activity = get_activity_or_404(activity_id)
    participant = get_or_404(ActivityParticipant, participant_id)
    require(participant.activity_id == activity.id, participant)
    if not UnregisterForm().validate_on_submit():
        return _render(activity, problem=_("Formuläret har gått ut. Ladda om sidan och försök igen."), status=400)
    refusal_page(lambda refusal: _render(activity, problem=error_message(refusal)))
    activity_ops.unregister_participant(db.session, participant)
    audit("activity_participant_unregistered", activity, candidate_id=participant.candidate_id)
    flash(_("Deltagaren är avanmäld."), "success")
    return redirect(url_for("activities.show", activity_id=activity.id))


def _marks_from_form(activity: Activity) -> dict[int, AttendanceStatus]:
    marks: dict[int, AttendanceStatus] = {}
    allowed = {s.value for s in AttendanceStatus}
    for participant in activity.participants:
        value = request.form.get(f"status-{participant.id}")
        if value in allowed:
            marks[participant.id] = AttendanceStatus(value)
    return marks


@bp.route("/aktiviteter/<int:activity_id>/narvaro", methods=["POST"])
@login_required
def attendance(activity_id: int):  # type: ignore[no-untyped-def]
    activity = get_activity_or_404(activity_id)
    if not AttendanceForm().validate_on_submit():
        return _render(activity, problem=_("Formuläret har gått ut. Ladda om sidan och försök igen."), status=400)
    refusal_page(lambda refusal: _render(activity, problem=error_message(refusal)))
    changed = activity_ops.mark_attendance(db.session, activity, _marks_from_form(activity), by=current_user)
    audit("activity_attendance_marked", activity, changed=changed)
    flash(_("Närvaron är sparad (%(n)s ändringar).", n=changed), "success")
    return redirect(url_for("activities.show", activity_id=activity.id))
