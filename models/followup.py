"""Follow-up: before/after questionnaires, the workplace feedback template, and the 3- and
6-month outcomes recorded by the welfare officer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import FollowUpResult, FurtherInterest, QuestionKind, SurveyMoment, db_enum

if TYPE_CHECKING:
    from .accounts import User
    from .candidates import Candidate
    from .companies import Company
    from .visits import Visit


def _workplace_code(context: Any) -> str:
    from .operations.question_sets import workplace_code

    return workplace_code(context.get_current_parameters()["moment"])


class Survey(Base):
    """A question set for one moment (participant/company, before/after; employees) of one
    version of a questionnaire (models/operations/question_sets.py)."""

    __tablename__ = "survey"
    __table_args__ = (sa.Index("ix_survey_questionnaire", "questionnaire", "moment", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    moment: Mapped[SurveyMoment] = mapped_column(db_enum(SurveyMoment, "survey_moment"))
    # The questionnaire (a code of question_sets.QUESTIONNAIRES; the workplace visit's for the
    # moment unless given) and its version: answers pair only within one version.
    questionnaire: Mapped[str] = mapped_column(sa.String(40), default=_workplace_code)
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Who made this version (None: installed by the migration, or a set made before versions).
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[Optional[User]] = relationship()


class SurveyQuestion(Base):
    __tablename__ = "survey_question"
    __table_args__ = (sa.UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    position: Mapped[int]
    # Questions are paired before/after by `key` (same key in the before and after sets).
    key: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[QuestionKind] = mapped_column(db_enum(QuestionKind, "question_kind"))
    text_sv: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    text_easy_sv: Mapped[str] = mapped_column(sa.Text, default="")  # lättläst

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyInvitation(Base):
    """One sent questionnaire link: to a participant or to a company, about a visit or a group
    activity. An employee's anonymous answers are one row too, with the company and no email."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        sa.CheckConstraint(
            "(candidate_id IS NULL) != (company_id IS NULL)", name="one_respondent"
        ),
        # "Has this participant, visit or company had this questionnaire?" (the questionnaires
        # due, models/operations/surveys.py) is answered from these indexes alone.
        sa.Index("ix_survey_invitation_candidate_survey", "candidate_id", "survey_id"),
        sa.Index("ix_survey_invitation_company_survey", "company_id", "survey_id", "sent_at"),
        sa.Index("ix_survey_invitation_visit_survey", "visit_id", "survey_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id"), index=True)
    candidate_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("candidate.id"))
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id"))
    visit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("visit.id"))
    activity_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("activity.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship()
    candidate: Mapped[Optional[Candidate]] = relationship()
    company: Mapped[Optional[Company]] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan"
    )


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"
    __table_args__ = (
        sa.UniqueConstraint("invitation_id", "question_id"),
        sa.CheckConstraint("likert IS NULL OR (likert BETWEEN 1 AND 5)", name="likert_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_invitation.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id"))
    likert: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()


class Feedback(Base):
    """The workplace feedback template (mall), filled by the supervisor after the visit."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("punctuality BETWEEN 1 AND 5", name="punctuality_range"),
        sa.CheckConstraint("interest BETWEEN 1 AND 5", name="interest_range"),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name="overall_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), unique=True)
    attended: Mapped[bool]
    # The ratings are empty when the visitor did not come (a no-show): there was nothing to rate.
    punctuality: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)
    interest: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)
    overall: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    to_develop: Mapped[str] = mapped_column(sa.Text, default="")
    would_welcome_again: Mapped[bool]
    further_interest: Mapped[FurtherInterest] = mapped_column(
        db_enum(FurtherInterest, "further_interest"), default=FurtherInterest.NONE
    )
    # Shown to the participant; `internal_note` only to the project leader and the officer.
    message_to_participant: Mapped[str] = mapped_column(sa.Text, default="")
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    filled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    filled_by_name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    visit: Mapped[Visit] = relationship()
    filled_by: Mapped[Optional[User]] = relationship()


class FollowUp(Base):
    """The candidate's situation 3 or 6 months after the first visit."""

    __tablename__ = "follow_up"
    __table_args__ = (
        sa.UniqueConstraint("candidate_id", "months"),
        sa.CheckConstraint("months IN (3, 6)", name="months_3_or_6"),
        # Where the client works or interns, when that is a company of the network: a company's
        # commitment counts the hires and internships recorded here (models/commitments.py).
        sa.CheckConstraint("company_id IS NULL OR result IN ('job', 'internship')", name="company_for_job"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"))
    months: Mapped[int] = mapped_column(sa.SmallInteger)
    result: Mapped[FollowUpResult] = mapped_column(db_enum(FollowUpResult, "follow_up_result"))
    recorded_on: Mapped[dt.date]
    # Self-sufficiency: no longer on ekonomiskt bistånd (True), still on it (False), or not
    # recorded / not applicable (None: the client did not receive it at referral).
    self_sufficient: Mapped[Optional[bool]]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id", ondelete="SET NULL"), index=True)
