"""The data model and domain operations of the matching service. No Flask in here."""

from .accounts import ApiToken, CalendarFeed, LoginSession, Organisation, User
from .agreement import AgreementApproval, AgreementChange
from .budget import ActualCost, BudgetFunding, BudgetLine, BudgetSettings
from .candidates import Candidate, Consent, Referral, ReferralEvent, consent_in_force
from .changes import DataGeneration
from .commitments import Commitment, CommitmentPromise, CommitmentSettings
from .companies import Company, Contact, Offer
from .db import Base, make_engine
from .followup import Feedback, FollowUp, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from .meetings import MeetingInvitee, MeetingOffer, MeetingQuota, NetworkMeeting
from .profiles import CandidateProfileVersion, OfferProfileVersion
from .programme import Funding, Goal, Milestone, Programme, programme_party
from .selection import SelectionMeeting, SelectionMeetingItem, SelectionPosition
from .signoff import QuarterApproval, QuarterCorrection, QuarterSignoff
from .system import AuditEvent, Exposure, OutboxMessage, RankerDuel, RankerModel, UsedLinkToken
from .visits import Activity, ActivityParticipant, Visit, VisitEvent

__all__ = [
    "Activity",
    "ActualCost",
    "AgreementApproval",
    "AgreementChange",
    "ActivityParticipant",
    "ApiToken",
    "AuditEvent",
    "Base",
    "BudgetFunding",
    "BudgetLine",
    "BudgetSettings",
    "CalendarFeed",
    "Candidate",
    "CandidateProfileVersion",
    "Commitment",
    "CommitmentPromise",
    "CommitmentSettings",
    "Company",
    "Consent",
    "Contact",
    "DataGeneration",
    "Exposure",
    "Feedback",
    "FollowUp",
    "Funding",
    "Goal",
    "LoginSession",
    "MeetingInvitee",
    "MeetingOffer",
    "MeetingQuota",
    "Milestone",
    "NetworkMeeting",
    "Offer",
    "OfferProfileVersion",
    "Organisation",
    "OutboxMessage",
    "Programme",
    "QuarterApproval",
    "QuarterCorrection",
    "QuarterSignoff",
    "RankerDuel",
    "RankerModel",
    "Referral",
    "ReferralEvent",
    "SelectionMeeting",
    "SelectionMeetingItem",
    "SelectionPosition",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyQuestion",
    "UsedLinkToken",
    "User",
    "Visit",
    "VisitEvent",
    "consent_in_force",
    "make_engine",
    "programme_party",
]
