"""Who may do what: small named checks, the one place access rules live.

Views load an object, call one check, and refuse with 403 (web) or 404 (API) when it says no.
List queries use the `*_scope` functions so that a list never shows what a page would refuse.
The rules, in one breath (docs/access-matrix.md has the full table):
- project leaders run the partnership and see the candidate bank, companies, visits, reports;
- welfare officers see only candidates referred by their own unit, and those candidates' visits;
- employers see only their own company, its offers, and proposed visitors' minimal data;
- steering sees aggregates only; AF's and AMF's selection partners see the referrals awaiting
  selection with the minimum to judge fit, and record their positions;
- admins run accounts, programme settings and the audit log, and do not see the candidate bank
  (least privilege: administering is not case work).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import Candidate, Company, Feedback, Offer, Referral, User, Visit
from models.enums import Role, VisitStatus
from models.operations.candidate_bank import BankScope

PL = Role.PROJECT_LEADER
WO = Role.WELFARE_OFFICER
EMPLOYER = Role.EMPLOYER
STEERING = Role.STEERING
ADMIN = Role.ADMIN
SP = Role.SELECTION_PARTNER


def _is(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


# --- candidate bank -------------------------------------------------------------------------
def can_use_candidate_bank(user: Any) -> bool:
    return _is(user, PL, WO)


def can_refer(user: Any) -> bool:
    return _is(user, WO) and user.organisation_id is not None


def can_decide_referrals(user: Any) -> bool:
    return _is(user, PL)


def candidate_scope_key(user: Any) -> tuple[Any, ...]:
    """Which candidates `candidate_scope(user)` lets through, as a value: two users with the same
    key see the same candidates (a ranked list is kept per key, not per user)."""
    if _is(user, PL):
        return ("all",)
    if _is(user, WO) and user.organisation_id is not None:
        return ("unit", user.organisation_id)
    return ("none",)


def candidate_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition: candidates this user may see in lists and searches."""
    kind, *rest = candidate_scope_key(user)
    if kind == "all":
        return sa.true()
    if kind == "unit":
        return sa.exists().where(Referral.candidate_id == Candidate.id, Referral.unit_id == rest[0])
    return sa.false()


def can_view_candidate(user: Any, candidate: Candidate) -> bool:
    if _is(user, PL):
        return True
    if _is(user, WO) and user.organisation_id is not None:
        return any(r.unit_id == user.organisation_id for r in candidate.referrals)
    return False


can_edit_candidate = can_view_candidate


def can_reveal_identity_number(user: Any, candidate: Candidate) -> bool:
    """Project leaders, and officers of a unit that referred the candidate."""
    return can_view_candidate(user, candidate)


# --- companies and offers --------------------------------------------------------------------
def can_manage_companies(user: Any) -> bool:
    return _is(user, PL, ADMIN)


def company_scope(user: Any) -> sa.ColumnElement[bool]:
    if _is(user, PL, ADMIN):
        return sa.true()
    if _is(user, EMPLOYER):
        return Company.id == user.company_id
    return sa.false()


def can_view_company(user: Any, company: Company) -> bool:
    return _is(user, PL, ADMIN) or (_is(user, EMPLOYER) and company.id == user.company_id)


def offer_scope_key(user: Any) -> tuple[Any, ...]:
    """Which offers `offer_scope(user)` lets through, as a value (see `candidate_scope_key`)."""
    if _is(user, PL, ADMIN):
        return ("all",)
    if _is(user, EMPLOYER):
        return ("company", user.company_id)
    return ("none",)


def offer_scope(user: Any) -> sa.ColumnElement[bool]:
    kind, *rest = offer_scope_key(user)
    if kind == "all":
        return sa.true()
    if kind == "company":
        return Offer.company_id == rest[0]
    return sa.false()


def can_view_offer(user: Any, offer: Offer) -> bool:
    return can_view_company(user, offer.company)


can_edit_offer = can_view_offer


def can_create_offer_for(user: Any, company: Company) -> bool:
    return can_view_company(user, company)


def can_view_capacity(user: Any) -> bool:
    return _is(user, PL, ADMIN)


# --- visits and activities -------------------------------------------------------------------
def can_book_visits(user: Any) -> bool:
    return _is(user, PL)


def visit_scope(user: Any) -> sa.ColumnElement[bool]:
    if _is(user, PL):
        return sa.true()
    if _is(user, EMPLOYER):
        return Visit.offer_id.in_(sa.select(Offer.id).where(Offer.company_id == user.company_id))
    if _is(user, WO) and user.organisation_id is not None:
        return sa.exists().where(
            Referral.candidate_id == Visit.candidate_id, Referral.unit_id == user.organisation_id
        )
    return sa.false()


def can_view_visit(user: Any, visit: Visit) -> bool:
    if _is(user, PL):
        return True
    if _is(user, EMPLOYER):
        return visit.offer.company_id == user.company_id
    if _is(user, WO):
        return can_view_candidate(user, visit.candidate)
    return False


def can_answer_proposal(user: Any, visit: Visit) -> bool:
    return _is(user, EMPLOYER) and visit.offer.company_id == user.company_id


# A company answers a proposal and does nothing else to a visit: the project leader records the
# outcome and cancellations, also those the company asks for (docs/access-matrix.md).
COMPANY_ANSWERS = frozenset({VisitStatus.ACCEPTED, VisitStatus.DECLINED})


def can_answer_proposal_with(user: Any, visit: Visit, to: VisitStatus) -> bool:
    return to in COMPANY_ANSWERS and can_answer_proposal(user, visit)


def can_manage_visit(user: Any, visit: Visit) -> bool:
    return _is(user, PL)


def can_give_feedback(user: Any, visit: Visit) -> bool:
    return _is(user, PL) or can_answer_proposal(user, visit)


def can_reopen_feedback(user: Any, feedback: Feedback) -> bool:
    """Opening a filled-in feedback form again, with what it says: a project leader always; an
    employer only when the company's own account saved it last. What a project leader wrote,
    on the company's behalf or not (the internal note above all), stays internal."""
    if _is(user, PL):
        return True
    filler = feedback.filled_by
    return (
        can_answer_proposal(user, feedback.visit)
        and filler is not None
        and filler.role == EMPLOYER
        and filler.company_id == user.company_id
    )
def can_see_pending_feedback(user: Any) -> bool:
    """The list of visits waiting for feedback (and its start-page panel): project leaders all
    of them, employers their own company's (`visit_scope` says which)."""
    return _is(user, PL, EMPLOYER)


def can_manage_activities(user: Any) -> bool:
    return _is(user, PL)


def activity_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition on Activity: those who manage activities see them all."""
    return sa.true() if can_manage_activities(user) else sa.false()


# --- network meetings (11:11 Meet Malmö) --------------------------------------------------------
def can_manage_meetings(user: Any) -> bool:
    """Plan meetings, invite companies, choose who gets a place, mark attendance."""
    return _is(user, PL)


def meeting_scope(user: Any) -> sa.ColumnElement[bool]:
    return sa.true() if can_manage_meetings(user) else sa.false()


def can_view_meeting_outcomes(user: Any) -> bool:
    """Which meetings grew the network: counts of companies and offers, no person."""
    return _is(user, PL, STEERING, ADMIN)


# --- follow-up, matching, reports ------------------------------------------------------------
def can_view_reports(user: Any) -> bool:
    return _is(user, PL, ADMIN, STEERING)


def can_export_reports(user: Any) -> bool:
    return _is(user, PL, ADMIN, STEERING)


def can_record_follow_up(user: Any, candidate: Candidate) -> bool:
    return _is(user, WO) and can_view_candidate(user, candidate)


def can_use_matching(user: Any) -> bool:
    return _is(user, PL)


def can_view_model_registry(user: Any) -> bool:
    return _is(user, PL, ADMIN)


def can_view_ranker_duel(user: Any) -> bool:
    """The duel between the active model and a challenger (/matchning/duell): as the registry."""
    return _is(user, PL, ADMIN)


def can_stop_ranker_duel(user: Any) -> bool:
    """Stopping a duel by hand (the rule decides by itself): the administrator, as on the command line."""
    return _is(user, ADMIN)


def can_view_fairness_detail(user: Any) -> bool:
    return _is(user, PL, ADMIN)


def can_view_fairness_aggregate(user: Any) -> bool:
    return _is(user, PL, ADMIN, STEERING)


# --- administration --------------------------------------------------------------------------
def can_manage_users(user: Any) -> bool:
    return _is(user, ADMIN)


def can_manage_programme(user: Any) -> bool:
    return _is(user, ADMIN)


def can_view_audit(user: Any) -> bool:
    return _is(user, ADMIN)


def can_manage_token(user: Any, token_owner: User) -> bool:
    return _is(user, ADMIN) or (getattr(user, "id", None) == token_owner.id)


def can_manage_own_account(user: Any) -> bool:
    """Every account: its password and second factor (its start-page panel)."""
    return _is(user, *Role)


def can_use_api_tokens(user: Any) -> bool:
    """Every account: personal API tokens acting with the account's own role."""
    return _is(user, PL, WO, EMPLOYER, STEERING, ADMIN, SP)


def can_view_all_tokens(user: Any) -> bool:
    """Every account's API tokens in one list (each user sees their own on their page)."""
    return _is(user, ADMIN)


# --- employer portal (companies engineer) ----------------------------------------------------
def can_use_employer_portal(user: Any) -> bool:
    """Employer accounts, each tied to one company; the portal shows only that company."""
    return _is(user, EMPLOYER) and user.company_id is not None


def can_see_companies(user: Any) -> bool:
    """Network managers see every company; an employer its own (`company_scope` says which)."""
    return can_manage_companies(user) or can_use_employer_portal(user)


# --- visits: details and calendar feed (bookings engineer) -----------------------------------
def can_view_visit_details(user: Any, visit: Visit) -> bool:
    """The full visit page (participant's name, no-show history, status history): project
    leaders, and officers of a unit that referred the participant. Employers use their portal."""
    return _is(user, PL, WO) and can_view_visit(user, visit)


def can_see_visits(user: Any) -> bool:
    """Visits at all: project leaders and officers (the candidate bank), and employers (their
    company's); `shown_visit_scope` says which."""
    return can_use_candidate_bank(user) or can_use_employer_portal(user)


def shown_visit_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition on Visit: the visits a list shows this user. `visit_scope`, and for an
    employer only those whose visitor may still be shown to companies (consent in force, not
    anonymised): the API's list, the employer portal's lists and the calendar feed."""
    if _is(user, EMPLOYER):
        from .employer.visitor import employer_visible  # here: that module imports the app's templating

        return sa.and_(visit_scope(user), employer_visible())
    return visit_scope(user)


def can_use_calendar_feed(user: Any) -> bool:
    """A personal .ics feed of the visits the user may see (initials and company only)."""
    return _is(user, PL, WO, EMPLOYER)


# --- candidate bank: referrals, the candidate page, import (candidate-bank engineer) ---------
def referral_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition on Referral: the referrals this user may see. A draft is still its officer's
    work (the client may not have consented yet), so project leaders see submitted ones only."""
    from models.enums import ReferralStatus

    if _is(user, PL):
        return Referral.status != ReferralStatus.DRAFT
    if _is(user, WO) and user.organisation_id is not None:
        return Referral.unit_id == user.organisation_id
    return sa.false()


def bank_scope(user: Any) -> BankScope:
    """Who is looking, for the candidate bank's search: the candidates and the referrals they
    may see (a candidate is listed with a referral they may see)."""
    return BankScope(candidates=candidate_scope(user), referrals=referral_scope(user))


def can_view_referral(user: Any, referral: Referral) -> bool:
    from models.enums import ReferralStatus

    if _is(user, PL):
        return referral.status != ReferralStatus.DRAFT
    if _is(user, WO) and user.organisation_id is not None:
        return referral.unit_id == user.organisation_id
    return False


def can_open_candidate(user: Any, candidate: Candidate) -> bool:
    """The candidate page, and booking or registering the candidate: the candidate is visible and
    so is at least one of their referrals (a project leader is not shown a client whose only
    referral is an unsent draft, by any page, list or answer)."""
    return can_view_candidate(user, candidate) and any(can_view_referral(user, r) for r in candidate.referrals)


def openable_candidate_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL twin of `can_open_candidate`, for a form's list of candidates."""
    return sa.and_(
        candidate_scope(user), sa.exists().where(Referral.candidate_id == Candidate.id, referral_scope(user))
    )


def can_submit_referral(user: Any, referral: Referral) -> bool:
    """Sending a draft (or a returned referral) to the project leader: its own unit's officers."""
    return _is(user, WO) and user.organisation_id is not None and referral.unit_id == user.organisation_id


def can_close_referral(user: Any, referral: Referral) -> bool:
    return can_decide_referrals(user) or can_submit_referral(user, referral)


def referrer_accounts() -> sa.ColumnElement[bool]:
    """SQL condition on User: the accounts `can_refer` lets refer (a project leader importing
    candidates names one of them)."""
    return sa.and_(User.role == WO, User.organisation_id.is_not(None))


def can_import_candidates(user: Any) -> bool:
    """Bulk import: officers (as referrers for their own unit) and project leaders (on behalf of
    an officer they name)."""
    return can_decide_referrals(user) or can_refer(user)


# --- follow-up: questionnaires, workplace feedback, outcomes (follow-up engineer) ------------
def can_manage_surveys(user: Any) -> bool:
    """The question sets for the four moments: project leaders and admins."""
    return _is(user, PL, ADMIN)


def can_review_questionnaire_versions(user: Any) -> bool:
    """Every version of every questionnaire with its wording and who made it: admins."""
    return _is(user, ADMIN)


def can_send_surveys(user: Any) -> bool:
    """Sending questionnaire links about visits (participants' addresses): project leaders."""
    return _is(user, PL)


def can_view_feedback(user: Any, visit: Visit) -> bool:
    """A visit's filled-in feedback template, internal note included: project leaders, and
    officers of a unit that referred the participant (the employer sees it in the form)."""
    return _is(user, PL) or (_is(user, WO) and can_view_candidate(user, visit.candidate))


def can_follow_up_clients(user: Any) -> bool:
    """The 3- and 6-month follow-up list: officers of a unit (their own unit's clients only)."""
    return _is(user, WO) and user.organisation_id is not None


# --- the agreement's budget, period and quarterly sign-off (issue #21) -----------------------
def can_view_budget(user: Any) -> bool:
    """The budget, the actual costs and their follow-up: project leaders, admins and the
    steering group (amounts only: no personal data)."""
    return _is(user, PL, ADMIN, STEERING)


def can_edit_budget(user: Any) -> bool:
    """Budget lines, financing, actual costs and the ledger import: project leaders and admins."""
    return _is(user, PL, ADMIN)


def can_view_agreement(user: Any) -> bool:
    """The agreement's period, the extension deadline and the history of changes."""
    return _is(user, PL, ADMIN, STEERING)


def can_record_agreement_change(user: Any) -> bool:
    """Recording an extension or another change with the parties' approvals: PL and admins."""
    return _is(user, PL, ADMIN)


def can_view_signoffs(user: Any) -> bool:
    """The quarters put before the steering group, their approvals, the kept reports and the
    corrections (aggregates only, as the report)."""
    return can_view_reports(user)


def can_compile_quarter(user: Any) -> bool:
    """Compiling a quarter's report for the steering group: project leaders (TH compiles)."""
    return _is(user, PL)


def can_approve_quarter(user: Any, programme: Any) -> bool:
    """Approving a quarter: a steering group member who represents one of the programme's parties."""
    return _is(user, STEERING) and user.organisation_id in {o.id for o in programme.parties}


# --- selection in consultation with AF and AMF (issue #21 §1) ----------------------------------
def can_take_position_in_selection(user: Any) -> bool:
    """Agreeing or objecting to a referral awaiting selection: a selection partner bound to AF or
    AMF (for that organisation). They see first name, target group, interests, Swedish level,
    availability and the referral's purpose only (models/operations/selection.py)."""
    return _is(user, SP) and user.organisation_id is not None


def can_view_selection(user: Any) -> bool:
    """The referrals awaiting selection with the partners' positions, the selection meetings and
    their minutes: project leaders and the selection partners."""
    return _is(user, PL) or can_take_position_in_selection(user)


def can_plan_selection_meetings(user: Any) -> bool:
    """Putting referrals on a selection meeting's list and deciding them in one go: project leaders."""
    return can_decide_referrals(user)


# --- companies' commitments (issue #25 section 1) -----------------------------------------------
def can_view_commitments(user: Any) -> bool:
    """The commitments per contracting department, promised against delivered, and their export:
    project leaders, admins and the steering group (company figures, no personal data)."""
    return _is(user, PL, ADMIN, STEERING)


def can_manage_commitments(user: Any) -> bool:
    """Registering, changing, removing and importing commitments: project leaders and admins."""
    return _is(user, PL, ADMIN)


def can_weigh_commitments(user: Any) -> bool:
    """How much the recommendations prefer companies behind on their commitment: the project
    leader, who runs the matching."""
    return can_use_matching(user)


def commitment_scope(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition on Commitment: all of them for those who follow commitments, an employer
    its own company's, nobody else any."""
    from models import Commitment

    if can_view_commitments(user):
        return sa.true()
    if can_use_employer_portal(user):
        return Commitment.company_id == user.company_id
    return sa.false()


def can_view_commitment(user: Any, commitment: Any) -> bool:
    return can_view_commitments(user) or (
        can_use_employer_portal(user) and commitment.company_id == user.company_id
    )


def can_see_commitments(user: Any) -> bool:
    """Commitments at all (the API's lists): those who follow them, and employers (their own)."""
    return can_view_commitments(user) or can_use_employer_portal(user)
