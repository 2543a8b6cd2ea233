"""`/api/v1/selection`: selection in consultation with AF and AMF. The referrals awaiting
selection with the minimum to judge fit and the partners' positions (project leaders and
selection partners); a partner's position (agree / object, with a comment); selection meetings,
their lists and the project leader's decisions in one go."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from models import Referral, SelectionMeeting
from models.db import MAX_ID
from models.enums import SelectionDecision, SelectionStance
from models.operations import candidates as candidate_ops
from models.operations import selection as selection_ops

from .. import permissions as perm
from ..extensions import db
from .core import api_blueprint, api_user, audit, fields_named, get_visible_or_404, invalid
from .schemas import enum_field

blp = api_blueprint("api_selection", __name__, "/selection",
                    "Selection in consultation with AF and AMF: positions and selection meetings.")


class PositionSchema(ma.Schema):
    organisation = fields.String(required=True, metadata={"description": "AF or AMF (short name)."})
    name = fields.String(required=True, metadata={"description": "Who recorded it."})
    stance = enum_field(SelectionStance, required=True)
    comment = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)


class SelectionReferralSchema(ma.Schema):
    """What a selection partner sees: never the identity number, surname, contact details or notes."""

    referral_id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    target_group = fields.String(required=True)
    interests = fields.List(fields.String(), required=True)
    swedish_level = fields.Integer(required=True)
    weekdays = fields.List(fields.String(), required=True)
    times_of_day = fields.List(fields.String(), required=True)
    purpose = fields.String(required=True, metadata={"description": "The referral's reason."})
    submitted_at = fields.DateTime(required=True, allow_none=True)
    positions = fields.List(fields.Nested(PositionSchema), required=True)


class PositionInSchema(ma.Schema):
    stance = enum_field(SelectionStance, required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=selection_ops.COMMENT_MAX),
                            metadata={"description": "Required when objecting."})


class SelectionMeetingItemSchema(ma.Schema):
    referral = fields.Nested(SelectionReferralSchema, required=True)
    status = fields.String(required=True, metadata={"description": "The referral's status now."})
    decision = enum_field(SelectionDecision, required=True, allow_none=True)
    reason = fields.String(required=True)


class SelectionMeetingSchema(ma.Schema):
    id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    note = fields.String(required=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    consulted = fields.List(fields.String(), required=True)
    items = fields.List(fields.Nested(SelectionMeetingItemSchema), required=True)


class SelectionMeetingInSchema(ma.Schema):
    held_on = fields.Date(required=True)
    referral_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                               validate=validate.Length(min=1, max=200))
    note = fields.String(load_default="", validate=validate.Length(max=selection_ops.COMMENT_MAX))


class DecisionInSchema(ma.Schema):
    referral_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    decision = enum_field(SelectionDecision, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=4000),
                           metadata={"description": "Required to return, and to accept against an objection."})


class DecisionsInSchema(ma.Schema):
    decisions = fields.List(fields.Nested(DecisionInSchema), required=True, validate=validate.Length(max=200))


def _position(p: Any) -> dict[str, Any]:
    return {"organisation": p.organisation.short_name, "name": p.user_name, "stance": p.stance,
            "comment": p.comment, "recorded_at": p.recorded_at}


def _referral(referral: Referral) -> dict[str, Any]:
    view = selection_ops.selection_view(referral)
    return {**view.__dict__, "positions": [_position(p) for p in candidate_ops.current_positions(referral)]}


def _meeting(meeting: SelectionMeeting) -> dict[str, Any]:
    return {
        "id": meeting.id, "held_on": meeting.held_on, "note": meeting.note, "decided_at": meeting.decided_at,
        "decided_by": meeting.decided_by.name if meeting.decided_by else None,
        "consulted": selection_ops.consulted(i.referral for i in meeting.items),
        "items": [{"referral": _referral(i.referral), "status": i.referral.status.value, "decision": i.decision,
                   "reason": i.reason} for i in meeting.items],
    }


@blp.route("/referrals")
@blp.allow(perm.can_view_selection)
@blp.response(200, SelectionReferralSchema(many=True))
@blp.problems(403)
def awaiting() -> Any:
    """The referrals awaiting selection, the longest waiting first, with the partners' positions"""
    return [_referral(r) for r in selection_ops.awaiting_referrals(db.session)]


@blp.route("/referrals/<int:referral_id>/position", methods=["PUT"])
@blp.allow(perm.can_take_position_in_selection)
@blp.arguments(PositionInSchema)
@blp.response(200, PositionSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def record_position(body: dict[str, Any], referral_id: int) -> Any:
    """Your organisation's position on a referral awaiting selection (a selection partner)"""
    referral = get_visible_or_404(Referral, referral_id, lambda user, r: perm.can_take_position_in_selection(user))
    fields_named({"stance": "stance", "comment": "comment"})
    position = selection_ops.record_position(db.session, referral, by=api_user(), stance=body["stance"],
                                             comment=body["comment"])
    audit("selection_position_recorded", referral, stance=position.stance.value)
    return _position(position)


@blp.route("/meetings")
@blp.allow(perm.can_view_selection)
@blp.response(200, SelectionMeetingSchema(many=True))
@blp.problems(403)
def list_meetings() -> Any:
    """Selection meetings, the latest first"""
    return [_meeting(m) for m in selection_ops.meetings(db.session)]


@blp.route("/meetings", methods=["POST"])
@blp.allow(perm.can_plan_selection_meetings)
@blp.arguments(SelectionMeetingInSchema)
@blp.response(201, SelectionMeetingSchema)
@blp.problems(403, 409, 413, 415, 422)
def create_meeting(body: dict[str, Any]) -> Any:
    """A selection meeting: its date and the referrals awaiting selection on its list (project leaders)"""
    fields_named({"held_on": "held_on", "referrals": "referral_ids", "note": "note"})
    meeting = selection_ops.create_meeting(db.session, held_on=body["held_on"], referral_ids=body["referral_ids"],
                                           note=body["note"], by=api_user())
    audit("selection_meeting_created", meeting, referrals=len(meeting.items))
    return _meeting(meeting)


def _meeting_or_404(meeting_id: int) -> SelectionMeeting:
    return get_visible_or_404(SelectionMeeting, meeting_id, lambda user, m: perm.can_view_selection(user))


@blp.route("/meetings/<int:meeting_id>")
@blp.allow(perm.can_view_selection)
@blp.response(200, SelectionMeetingSchema)
@blp.problems(403, 404)
def get_meeting(meeting_id: int) -> Any:
    """A selection meeting: everyone's positions and the decisions (the minutes)"""
    return _meeting(_meeting_or_404(meeting_id))


@blp.route("/meetings/<int:meeting_id>/decisions", methods=["POST"])
@blp.allow(perm.can_plan_selection_meetings)
@blp.arguments(DecisionsInSchema)
@blp.response(200, SelectionMeetingSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def decide(body: dict[str, Any], meeting_id: int) -> Any:
    """Decide every referral on the list in one go: all stand or none does (project leaders)"""
    meeting = _meeting_or_404(meeting_id)
    given = {d["referral_id"]: (d["decision"].value, d["reason"]) for d in body["decisions"]}
    if len(given) != len(body["decisions"]):
        invalid("decisions", "Each referral may be decided once.")
    fields_named({"decisions": "decisions"} | {f"decision-{i.referral_id}": "decisions" for i in meeting.items})
    selection_ops.decide_meeting(db.session, meeting, selection_ops.parse_decisions(given), by=api_user())
    audit("selection_meeting_decided", meeting, referrals=len(meeting.items))
    from ..candidates.views import notify_referring_officer

    for item in meeting.items:
        if item.decision is not None and item.referral.status.value != "submitted":
            notify_referring_officer(item.referral)
    return _meeting(meeting)
