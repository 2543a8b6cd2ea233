"""`/api/v1/meetings`: network meetings (11:11 Meet Malmö) with their channels and quotas, the
companies invited and signed up, the diversity-aware selection and attendance; and what the
meetings did for the network. Project leaders run meetings, as on the pages; the outcomes are
also for the steering group and admins. The representatives' voluntary answers never leave row
by row: only the selection's aggregates, with small counts hidden (null)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from models import Company, NetworkMeeting
from models.enums import SizeClass
from models.meetings import InviteeStatus, MeetingChannel, MeetingKind
from models.operations import meeting_lists
from models.operations import meetings as meeting_ops

from .. import permissions as perm
from ..extensions import db
from ..meetings.service import send_invitation, send_signup_answer
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    as_stored,
    audit,
    get_visible_or_404,
    invalid,
    paginate,
)
from .schemas import Id, Moment, PageArgsSchema, Text, enum_field, page_of

blp = api_blueprint(
    "api_meetings", __name__, "/meetings",
    "Network meetings: channels with quotas, invited and signed-up companies, the diversity-aware selection.",
)

CHANNELS = [c.value for c in MeetingChannel]


class QuotaSchema(ma.Schema):
    channel = enum_field(MeetingChannel, required=True)
    quota = fields.Integer(required=True)


class InviteeSchema(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True, allow_none=True)
    company_name = fields.String(required=True)
    org_number = fields.String(required=True)
    industry = fields.String(required=True)
    size_class = enum_field(SizeClass, required=True)
    channel = enum_field(MeetingChannel, required=True)
    recommended_by = fields.String(required=True)
    status = enum_field(InviteeStatus, required=True)
    seat = fields.Integer(required=True, allow_none=True)
    attended = fields.Boolean(required=True, allow_none=True)


class MeetingSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = enum_field(MeetingKind, required=True)
    title = fields.String(required=True)
    theme = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    capacity = fields.Integer(required=True)
    open_signup = fields.Boolean(required=True)
    themes = fields.List(fields.String(), required=True)
    channels = fields.List(fields.Nested(QuotaSchema), required=True)
    invitees = fields.List(fields.Nested(InviteeSchema), required=True)


def _quotas() -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)),
                       values=fields.Integer(strict=True, validate=validate.Range(min=0, max=1000)),
                       load_default=lambda: {c: 30 for c in CHANNELS},
                       metadata={"description": "Places per channel: city, organisation, open."})


class MeetingInSchema(ma.Schema):
    kind = enum_field(MeetingKind, required=True)
    title = Text(max_length=200, required=True)
    theme = Text(max_length=300, load_default="")
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    place = Text(max_length=200, load_default="")
    capacity = fields.Integer(load_default=90, strict=True, validate=validate.Range(min=0, max=1000))
    open_signup = fields.Boolean(load_default=True)
    quotas = _quotas()
    themes_discussed = Text(load_default="")


class InvitationSchema(ma.Schema):
    channel = fields.String(required=True, validate=validate.OneOf(["city", "organisation"]))
    recommended_by = Text(max_length=200, load_default="")
    company_id = Id(load_default=None, allow_none=True,
                    metadata={"description": "A registered company; or give its facts below."})
    company_name = Text(max_length=200, load_default="")
    org_number = Text(max_length=20, load_default="")
    industry = Text(max_length=120, load_default="")
    size_class = enum_field(SizeClass, load_default=SizeClass.SMALL)
    contact_name = Text(max_length=200, load_default="")
    email = Text(max_length=254, load_default="")


def _shares(**kwargs: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Float(validate=validate.Range(min=0, max=1)),
                       load_default=dict, **kwargs)


class TargetsSchema(ma.Schema):
    """Target shares from 0 to 1 per value; an attribute left out is not steered."""

    industry = _shares(metadata={"description": "Industry name to share (other industries share the rest)."})
    size_class = _shares(metadata={"description": "micro, small, medium, large to share."})
    gender = _shares(metadata={"description": "woman, man, other: among the representatives who answered."})
    background = _shares(metadata={"description": "foreign, swedish: among the representatives who answered."})


class ShareSchema(ma.Schema):
    attribute = fields.String(required=True)
    value = fields.String(required=True, metadata={"description": "`__other__`: the values without a target."})
    target = fields.Float(required=True)
    achieved = fields.Float(required=True, allow_none=True)
    first_come = fields.Float(required=True, allow_none=True)
    count = fields.Integer(required=True)
    first_come_count = fields.Integer(required=True)


class AggregateSchema(ma.Schema):
    value = fields.String(required=True, metadata={"description": "Empty: no answer."})
    selected = fields.Integer(required=True, allow_none=True, metadata={"description": "null: a small count, hidden."})
    signed_up = fields.Integer(required=True, allow_none=True)


class ProposalSchema(ma.Schema):
    selected = fields.List(fields.Integer(), required=True, metadata={"description": "Invitee ids."})
    deviation = fields.Float(required=True)
    first_come_deviation = fields.Float(required=True)
    per_channel = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    shares = fields.List(fields.Nested(ShareSchema), required=True)
    representation = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(AggregateSchema)),
                                 required=True)


class ApplySchema(ma.Schema):
    selected = fields.List(Id(), required=True, validate=validate.Length(max=1000))


class MeetingMarkSchema(ma.Schema):
    invitee_id = Id(required=True)
    attended = fields.Boolean(required=True, allow_none=True)


class MeetingAttendanceSchema(ma.Schema):
    marks = fields.List(fields.Nested(MeetingMarkSchema), required=True, validate=validate.Length(min=1, max=1000))


class MeetingFilterSchema(PageArgsSchema):
    when = fields.String(load_default="upcoming", validate=validate.OneOf(["upcoming", "past"]))


class OutcomeSchema(ma.Schema):
    meeting_id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    invited = fields.Integer(required=True)
    signed_up = fields.Integer(required=True)
    with_place = fields.Integer(required=True)
    attended = fields.Integer(required=True)
    new_companies = fields.Integer(required=True)
    offers = fields.Integer(required=True)
    companies_offering = fields.Integer(required=True)


MeetingPageSchema = page_of(MeetingSchema, "MeetingPageSchema")


def _load(meeting_id: int) -> NetworkMeeting:
    return get_visible_or_404(NetworkMeeting, meeting_id, lambda user, _m: perm.can_manage_meetings(user))


@blp.route("")
@blp.allow(perm.can_manage_meetings)
@blp.arguments(MeetingFilterSchema, location="query")
@blp.response(200, MeetingPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_meetings(args: dict[str, Any]) -> Any:
    """Upcoming or past network meetings"""
    return paginate(meeting_lists.meeting_list(perm.meeting_scope(api_user()), args["when"]), args)


@blp.route("", methods=["POST"])
@blp.allow(perm.can_manage_meetings)
@blp.arguments(MeetingInSchema)
@blp.response(201, MeetingSchema)
@blp.problems(403, 413, 415, 422)
def create_meeting(body: dict[str, Any]) -> Any:
    """Plan a meeting with its channels' places"""
    meeting = meeting_ops.create_meeting(db.session, meeting_ops.MeetingData(**body))
    audit("meeting_saved", meeting)
    as_stored()
    return meeting, 201, {"Location": url_for("api_meetings.get_meeting", meeting_id=meeting.id, _external=True)}


@blp.route("/<int:meeting_id>")
@blp.allow(perm.can_manage_meetings)
@blp.response(200, MeetingSchema)
@blp.problems(403, 404)
def get_meeting(meeting_id: int) -> Any:
    """One meeting with its channels and companies"""
    return _load(meeting_id)


@blp.route("/<int:meeting_id>/invitations", methods=["POST"])
@blp.allow(perm.can_manage_meetings)
@blp.arguments(InvitationSchema)
@blp.response(201, InviteeSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def invite(body: dict[str, Any], meeting_id: int) -> Any:
    """Invite a company (an email with a one-use link to answer goes to the outbox)"""
    meeting = _load(meeting_id)
    company = None
    if body["company_id"] is not None:
        company = db.session.get(Company, body["company_id"])
        if company is None:
            invalid("company_id", "No such company.")
        facts = meeting_ops.facts_of(company, body["email"])
    else:
        facts = meeting_ops.CompanyFacts(**{k: body[k] for k in (
            "company_name", "org_number", "industry", "size_class", "contact_name", "email")})
    invitee = meeting_ops.invite(db.session, meeting, facts, channel=body["channel"],
                                 recommended_by=body["recommended_by"], company=company)
    send_invitation(invitee)
    audit("meeting_invited", meeting, invitee_id=invitee.id, channel=invitee.channel.value)
    as_stored()
    return invitee, 201


@blp.route("/<int:meeting_id>/selection/proposal", methods=["POST"])
@blp.allow(perm.can_manage_meetings)
@blp.arguments(TargetsSchema)
@blp.response(200, ProposalSchema)
@blp.problems(403, 404, 413, 415, 422)
def propose(body: dict[str, Any], meeting_id: int) -> Any:
    """Propose the selection closest to the target shares that fills every channel (saves nothing)"""
    proposal = meeting_ops.propose_selection(db.session, _load(meeting_id), meeting_ops.SelectionTargets(**body))
    result = proposal.result
    return {"selected": result.selected, "deviation": result.deviation,
            "first_come_deviation": result.first_come_deviation, "per_channel": result.per_channel,
            "shares": [row.__dict__ for row in result.shares], "representation": proposal.representation}


@blp.route("/<int:meeting_id>/selection", methods=["POST"])
@blp.allow(perm.can_manage_meetings)
@blp.arguments(ApplySchema)
@blp.response(200, MeetingSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def apply_selection(body: dict[str, Any], meeting_id: int) -> Any:
    """Give the chosen companies their places (the others signed up wait as reserves)"""
    meeting = _load(meeting_id)
    newly = meeting_ops.apply_selection(db.session, meeting, body["selected"])
    for invitee in newly:
        send_signup_answer(invitee)
    audit("meeting_selection_applied", meeting, selected=len(body["selected"]), newly=len(newly))
    as_stored()
    return meeting


@blp.route("/<int:meeting_id>/attendance", methods=["POST"])
@blp.allow(perm.can_manage_meetings)
@blp.arguments(MeetingAttendanceSchema)
@blp.response(200, MeetingSchema)
@blp.problems(403, 404, 413, 415, 422)
def mark_attendance(body: dict[str, Any], meeting_id: int) -> Any:
    """Mark companies with a place present or absent (after the start)"""
    meeting = _load(meeting_id)
    marks = {m["invitee_id"]: m["attended"] for m in body["marks"]}
    changed = meeting_ops.mark_attendance(db.session, meeting, marks)
    audit("meeting_attendance_marked", meeting, changed=changed)
    as_stored()
    return meeting


@blp.route("/outcomes")
@blp.allow(perm.can_view_meeting_outcomes)
@blp.response(200, OutcomeSchema(many=True))
@blp.problems(403)
def outcomes() -> Any:
    """What each meeting did for the network: companies reached and present, new companies, offers"""
    return [{"meeting_id": o.meeting.id, "title": o.meeting.title, "starts_at": o.meeting.starts_at,
             "invited": o.invited, "signed_up": o.signed_up, "with_place": o.with_place, "attended": o.attended,
             "new_companies": o.new_companies, "offers": o.offers, "companies_offering": o.companies_offering}
            for o in meeting_ops.outcomes(db.session)]
