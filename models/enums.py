"""The closed vocabularies of the domain (roles, statuses, target groups, fields, ...).

Values are the interchange/storage form; Swedish labels live in the UI's catalogue.
"""

from __future__ import annotations

import enum
from enum import StrEnum

import sqlalchemy as sa


def db_enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint on every database."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Role(StrEnum):
    ADMIN = "admin"
    PROJECT_LEADER = "project_leader"
    WELFARE_OFFICER = "welfare_officer"
    EMPLOYER = "employer"
    STEERING = "steering"
    # AF's or AMF's contact person, consulted on the selection of participants (issue #21 §1).
    SELECTION_PARTNER = "selection_partner"


class OrganisationKind(StrEnum):
    FOUNDATION = "foundation"  # Tillväxt Helsingborg
    CLUB = "club"  # Helsingborgs IF
    MUNICIPALITY = "municipality"  # Arbetsmarknadsförvaltningen
    EMPLOYMENT_SERVICE = "employment_service"  # Arbetsförmedlingen
    WELFARE_UNIT = "welfare_unit"  # a unit of officers within AMF or AF


class TargetGroup(StrEnum):
    YOUTH = "youth"
    NEWCOMER = "newcomer"
    LONG_TERM = "long_term"
    OTHER = "other"


class Field(StrEnum):
    """Occupational fields (yrkesområden), the slugs of DOMAIN.md."""

    ADMIN = "admin"
    CONSTRUCTION = "construction"
    MANAGEMENT = "management"
    IT = "it"
    SALES = "sales"
    CRAFTS = "crafts"
    HOSPITALITY = "hospitality"
    HEALTHCARE = "healthcare"
    MANUFACTURING = "manufacturing"
    INSTALLATION = "installation"
    BEAUTY = "beauty"
    CULTURE = "culture"
    MILITARY = "military"
    AGRICULTURE = "agriculture"
    SCIENCE = "science"
    EDUCATION = "education"
    CLEANING = "cleaning"
    SOCIAL_WORK = "social_work"
    SECURITY = "security"
    ENGINEERING = "engineering"
    TRANSPORT = "transport"


FIELD_SLUGS: tuple[str, ...] = tuple(f.value for f in Field)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMES_OF_DAY: tuple[str, ...] = ("morning", "midday", "afternoon")
# Adjustments a workplace is told about (with `needs_accessible`, the step-free workplace): a
# fixed list, so that nothing but these words reaches a company (the officer's own notes stay
# in `needs_other`; the client's own words for the workplace in `to_workplace`).
ADJUSTMENTS: tuple[str, ...] = ("interpreter", "language_support", "breaks")
CEFR_LABELS: dict[int, str] = {0: "–", 1: "A1", 2: "A2", 3: "B1", 4: "B2", 5: "C1", 6: "C2"}


class ContactChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"


class ConsentMethod(StrEnum):
    WRITTEN = "written"
    DIGITAL = "digital"
    VERBAL = "verbal"  # recorded by the officer, who notes it in the case file


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    ACTIVE = "active"
    CLOSED = "closed"


class ClosedOutcome(StrEnum):
    JOB = "job"
    STUDIES = "studies"
    INTERNSHIP = "internship"
    OTHER_EFFORT = "other_effort"
    MOVED = "moved"
    DECLINED = "declined_to_continue"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Network(StrEnum):
    HIF_SPONSOR = "hif_sponsor"
    TH_NETWORK = "th_network"
    BOTH = "both"


class CompanyStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class SizeClass(StrEnum):
    MICRO = "micro"  # 0–9 employees
    SMALL = "small"  # 10–49
    MEDIUM = "medium"  # 50–249
    LARGE = "large"  # 250+


class VisitStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# A live visit holds the participant's time and a place in the offer's capacity.
LIVE_VISIT_STATUSES: tuple[VisitStatus, ...] = (
    VisitStatus.PROPOSED,
    VisitStatus.ACCEPTED,
    VisitStatus.CONFIRMED,
)


class Party(StrEnum):
    PARTICIPANT = "participant"
    EMPLOYER = "employer"
    PROJECT_LEADER = "project_leader"
    SYSTEM = "system"


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    DATE_UNSUITABLE = "date_unsuitable"
    SUPERVISOR_UNAVAILABLE = "supervisor_unavailable"
    PROFILE_MISMATCH = "profile_mismatch"
    OTHER = "other"


class ActivityType(StrEnum):
    STADIUM_VISIT = "stadium_visit"
    MATCH_HOST_SHADOWING = "match_host_shadowing"
    ASSOCIATION_ACTIVITY = "association_activity"
    WELLNESS = "wellness"


class AttendanceStatus(StrEnum):
    REGISTERED = "registered"
    ATTENDED = "attended"
    ABSENT = "absent"


class GoalKind(StrEnum):
    PERSONS_WORKPLACE_VISIT = "persons_workplace_visit"
    STADIUM_VISIT = "stadium_visit"
    MATCH_HOST_SHADOWING = "match_host_shadowing"
    ASSOCIATION_ACTIVITY = "association_activity"
    WELLNESS = "wellness"


class SurveyMoment(StrEnum):
    PARTICIPANT_BEFORE = "participant_before"
    PARTICIPANT_AFTER = "participant_after"
    COMPANY_BEFORE = "company_before"
    COMPANY_AFTER = "company_after"
    EMPLOYEE = "employee"  # colleagues at a hosting workplace, anonymous, after the visit


class QuestionKind(StrEnum):
    LIKERT = "likert"
    TEXT = "text"


class FurtherInterest(StrEnum):
    NONE = "none"
    INTERNSHIP = "internship"
    RECRUITMENT = "recruitment"


class FollowUpResult(StrEnum):
    JOB = "job"
    STUDIES = "studies"
    INTERNSHIP = "internship"
    OTHER_EFFORT = "other_effort"
    NO_CHANGE = "no_change"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DuelState(StrEnum):
    """A ranker duel (models/operations/ranker_duel.py): running, or decided one way."""

    RUNNING = "running"
    PROMOTED = "promoted"
    ABANDONED = "abandoned"


class BudgetLineKind(StrEnum):
    """The cost lines of the agreement's budget table (Kostnader och finansiering)."""

    PROJECT_LEADER = "project_leader"  # projektledare, incl. employer's contributions and pension
    CO_WORKER = "co_worker"  # medarbetare
    OVERHEAD = "overhead"  # OH-kostnader: administration, telephone, computer
    INFORMATION = "information"  # informationsmaterial
    TRAVEL = "travel"  # resekostnader


class CostSource(StrEnum):
    MANUAL = "manual"  # typed in on the cost page
    IMPORT = "import"  # read from an export of the ledger


class AgreementChangeKind(StrEnum):
    """What a recorded change to the agreement concerns (Ändringar: written, approved by the parties)."""

    EXTENSION = "extension"  # the 1+1-year extension of the period
    PERIOD = "period"
    GOALS = "goals"
    BUDGET = "budget"
    OTHER = "other"


class SelectionStance(StrEnum):
    """A selection partner's position on a referral awaiting selection."""

    AGREE = "agree"
    OBJECT = "object"


class SelectionDecision(StrEnum):
    """What the project leader decided for a referral at a selection meeting."""

    ACCEPT = "accept"  # antas (aktiveras senare)
    ACCEPT_ACTIVATE = "accept_activate"  # antas och aktiveras
    RETURN = "return"  # återsänds till handläggaren
    POSTPONE = "postpone"  # inget beslut: tas upp igen
