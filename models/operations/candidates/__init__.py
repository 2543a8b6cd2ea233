"""The candidate bank's operations, one module a job:

* `parsing` — a referral's data checked field by field (forms, the API and files alike);
* `records` — the candidate's record: duplicate detection, editing, the identity number;
* `referrals` — referrals and their life cycle (draft → submitted → accepted | returned →
  active → closed);
* `consent` — what consent a referral needs, recording it and withdrawing it;
* `bulk_import` — the spreadsheet import: preview, then an all-or-nothing commit.

The names callers use are imported here, so `from models.operations import candidates as
candidate_ops` gives the bank's operations in one name. Nothing here commits.
"""

from __future__ import annotations

from .bulk_import import IMPORT_COLUMNS, ImportedReferral, ImportRow, import_candidates, preview_import
from .consent import record_consent, withdraw_consent
from .parsing import (
    TO_WORKPLACE_MAX,
    CandidateInput,
    ConsentInput,
    InvalidInput,
    parse_candidate_input,
    parse_consent_input,
    parse_reason,
)
from .records import DuplicateCandidate, find_duplicate, reveal_identity_number, update_candidate
from .referrals import (
    OPEN_STATUSES,
    TRANSITIONS,
    accept_referral,
    activate_referral,
    check_reason_against_objection,
    close_referral,
    current_positions,
    objections,
    refer_candidate,
    return_referral,
    submit_referral,
)

__all__ = [
    "IMPORT_COLUMNS",
    "OPEN_STATUSES",
    "TO_WORKPLACE_MAX",
    "TRANSITIONS",
    "CandidateInput",
    "ConsentInput",
    "DuplicateCandidate",
    "ImportRow",
    "ImportedReferral",
    "InvalidInput",
    "accept_referral",
    "check_reason_against_objection",
    "current_positions",
    "objections",
    "activate_referral",
    "close_referral",
    "find_duplicate",
    "import_candidates",
    "parse_candidate_input",
    "parse_consent_input",
    "parse_reason",
    "preview_import",
    "record_consent",
    "refer_candidate",
    "return_referral",
    "reveal_identity_number",
    "submit_referral",
    "update_candidate",
    "withdraw_consent",
]
