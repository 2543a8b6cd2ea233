"""`/api/v1/activities`: group activities (Olympia stadium visits, match-host shadowing,
association life, wellness) with their participants and attendance. Project leaders only, as on
the activity pages; the rules are models/operations/activities.py's."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from models import Activity, Candidate
from models.enums import ActivityType, AttendanceStatus
from models.operations import activities as activity_ops
from models.operations import activity_lists

from .. import permissions as perm
from ..extensions import db
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    as_stored,
    audit,
    fields_named,
    get_visible_or_404,
    invalid,
    not_found,
    paginate,
)
from .schemas import Id, Moment, PageArgsSchema, Text, enum_field, page_of

blp = api_blueprint(
    "api_activities", __name__, "/activities", "Group activities with their participants and attendance."
)

# The activity rules name the activity form's fields; the API's body names them so.
ACTIVITY_FIELDS = {"end": "ends_at", "start": "starts_at", "day": "starts_at", "responsible": "responsible_id"}


class ParticipantSchema(ma.Schema):
    id = fields.Integer(required=True)
    candidate_id = fields.Integer(required=True)
    status = enum_field(AttendanceStatus, required=True)
    marked_at = fields.DateTime(required=True, allow_none=True)


class ActivitySchema(ma.Schema):
    id = fields.Integer(required=True)
    type = enum_field(ActivityType, required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    capacity = fields.Integer(required=True)
    responsible_id = fields.Integer(required=True, allow_none=True)
    company_id = fields.Integer(required=True, allow_none=True)
    notes = fields.String(required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)


class ActivityInSchema(ma.Schema):
    type = enum_field(ActivityType, required=True)
    title = Text(max_length=200, required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    place = Text(max_length=200, load_default="")
    capacity = fields.Integer(load_default=20, strict=True, validate=validate.Range(min=0, max=10_000))
    responsible_id = Id(allow_none=True, load_default=None, metadata={"description": "A project leader."})
    notes = Text(load_default="")


class ActivityPatchSchema(ActivityInSchema):
    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class RegistrationSchema(ma.Schema):
    candidate_id = Id(required=True)


class MarkSchema(ma.Schema):
    participant_id = Id(required=True)
    status = enum_field(AttendanceStatus, required=True)


class AttendanceSchema(ma.Schema):
    marks = fields.List(fields.Nested(MarkSchema), required=True, validate=validate.Length(min=1, max=1000))


class ActivityFilterSchema(PageArgsSchema):
    type = enum_field(ActivityType)
    when = fields.String(
        load_default="upcoming", validate=validate.OneOf(["upcoming", "past"]),
        metadata={"description": "Upcoming (not ended, soonest first) or past (started, latest first)."},
    )


ActivityPageSchema = page_of(ActivitySchema, "ActivityPageSchema")


def _load(activity_id: int) -> Activity:
    return get_visible_or_404(Activity, activity_id, lambda user, _a: perm.can_manage_activities(user))


def _data(activity: Activity | None, body: dict[str, Any]) -> activity_ops.ActivityData:
    current: dict[str, Any] = {}
    if activity is not None:
        current = {name: getattr(activity, name) for name in ActivityInSchema._declared_fields}
    return activity_ops.ActivityData(**{**current, **body})


@blp.route("")
@blp.allow(perm.can_manage_activities)
@blp.arguments(ActivityFilterSchema, location="query")
@blp.response(200, ActivityPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_activities(args: dict[str, Any]) -> Any:
    """Upcoming or past activities"""
    filters = activity_lists.ActivityFilters(type=args.get("type"), when=args["when"])
    return paginate(activity_lists.activity_list(perm.activity_scope(api_user()), filters), args)


@blp.route("/<int:activity_id>")
@blp.allow(perm.can_manage_activities)
@blp.etag
@blp.response(200, ActivitySchema)
@blp.problems(403, 404)
def get_activity(activity_id: int) -> Any:
    """One activity with its participants and their attendance"""
    return _load(activity_id)


@blp.route("", methods=["POST"])
@blp.allow(perm.can_manage_activities)
@blp.arguments(ActivityInSchema)
@blp.response(201, ActivitySchema)
@blp.problems(403, 413, 415, 422)
def create_activity(body: dict[str, Any]) -> Any:
    """Plan an activity"""
    fields_named(ACTIVITY_FIELDS)
    activity = activity_ops.create_activity(db.session, _data(None, body))
    audit("activity_saved", activity)
    as_stored()
    return activity, 201, {"Location": url_for("api_activities.get_activity", activity_id=activity.id, _external=True)}


@blp.route("/<int:activity_id>", methods=["PATCH"])
@blp.allow(perm.can_manage_activities)
@blp.etag
@blp.arguments(ActivityPatchSchema)
@blp.response(200, ActivitySchema)
@blp.problems(403, 404, 409, 412, 413, 415, 422, 428)
def update_activity(body: dict[str, Any], activity_id: int) -> Any:
    """Change an activity; needs If-Match (the ETag of the last GET)"""
    activity = _load(activity_id)
    blp.check_etag(activity, ActivitySchema)
    fields_named(ACTIVITY_FIELDS)
    activity_ops.update_activity(db.session, activity, _data(activity, body))
    audit("activity_saved", activity)
    as_stored()
    return activity


@blp.route("/<int:activity_id>/participants", methods=["POST"])
@blp.allow(perm.can_manage_activities)
@blp.arguments(RegistrationSchema)
@blp.response(201, ActivitySchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def register(body: dict[str, Any], activity_id: int) -> Any:
    """Register a participant (within the capacity; consent and an accepted referral needed)"""
    activity = _load(activity_id)
    candidate = db.session.get(Candidate, body["candidate_id"])
    if candidate is None or not perm.can_open_candidate(api_user(), candidate):
        invalid("candidate_id", "No such candidate.")
    fields_named({"candidate": "candidate_id"})
    activity_ops.register_participant(db.session, activity, candidate)
    audit("activity_participant_registered", activity, candidate_id=candidate.id)
    as_stored()
    return activity, 201


@blp.route("/<int:activity_id>/participants/<int:participant_id>", methods=["DELETE"])
@blp.allow(perm.can_manage_activities)
@blp.response(204)
@blp.problems(403, 404, 409)
def unregister(activity_id: int, participant_id: int) -> Any:
    """Unregister a participant whose attendance is not marked yet"""
    activity = _load(activity_id)
    participant = next((p for p in activity.participants if p.id == participant_id), None)
    if participant is None:
        not_found()
    activity_ops.unregister_participant(db.session, participant)
    audit("activity_participant_unregistered", activity, candidate_id=participant.candidate_id)
    return None


@blp.route("/<int:activity_id>/attendance", methods=["POST"])
@blp.allow(perm.can_manage_activities)
@blp.arguments(AttendanceSchema)
@blp.response(200, ActivitySchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def mark_attendance(body: dict[str, Any], activity_id: int) -> Any:
    """Mark attended or absent for several participants at once (after the start)"""
    activity = _load(activity_id)
    marks = {m["participant_id"]: m["status"] for m in body["marks"]}
    if set(marks) - {p.id for p in activity.participants}:
        invalid("marks", "No such participant in this activity.")
    changed = activity_ops.mark_attendance(db.session, activity, marks, by=api_user())
    audit("activity_attendance_marked", activity, changed=changed)
    as_stored()
    return activity
