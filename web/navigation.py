"""The main menu: one list of (endpoint, label, check). Entries whose endpoint is not
registered are left out, so an area appears in the menu when its blueprint exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from . import permissions as perm


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    allowed: Callable[[Any], bool]


NAV: list[NavItem] = [
    NavItem("main.index", _l("Start"), lambda u: True),
    NavItem("candidates.referrals", _l("Mina remisser"), lambda u: perm.can_refer(u)),
    NavItem("candidates.bank", _l("Kandidatbank"), perm.can_decide_referrals),
    NavItem("selection.index", _l("Urval"), perm.can_view_selection),
    NavItem("companies.index", _l("Företag"), perm.can_manage_companies),
    NavItem("employer.index", _l("Vårt företag"), perm.can_use_employer_portal),
    NavItem("commitments.index", _l("Åtaganden"), perm.can_view_commitments),
    NavItem("visits.index", _l("Besök"), perm.can_book_visits),
    NavItem("activities.index", _l("Aktiviteter"), perm.can_manage_activities),
    NavItem("meetings.index", _l("Nätverksmöten"), perm.can_manage_meetings),
    NavItem("meetings.outcomes", _l("Nätverksmöten"),
            lambda u: perm.can_view_meeting_outcomes(u) and not perm.can_manage_meetings(u)),
    NavItem("matching.plan", _l("Kvartalsplan"), perm.can_use_matching),
    NavItem("reports.dashboard", _l("Uppföljning"), perm.can_view_reports),
    NavItem("budget.current", _l("Budget"), perm.can_view_budget),
    NavItem("admin.users", _l("Konton"), perm.can_manage_users),
    NavItem("admin.audit", _l("Logg"), perm.can_view_audit),
    NavItem("admin.questionnaires", _l("Enkätversioner"), perm.can_review_questionnaire_versions),
]


def nav_for(user: Any) -> list[dict[str, Any]]:
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions or not item.allowed(user):
            continue
        items.append(
            {
                "endpoint": item.endpoint,
                "label": item.label,
                "current": request.endpoint == item.endpoint
                or (request.blueprint and request.blueprint == item.endpoint.split(".")[0]),
            }
        )
    return items
