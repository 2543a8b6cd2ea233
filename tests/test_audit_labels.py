"""The admin's audit log names every action in the user's language: each action the code writes
(`audit("…")` anywhere in web/ and models/) has a label, in Swedish and in English."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import force_locale

ROOT = Path(__file__).resolve().parent.parent
AUDIT_CALL = re.compile(r"""\baudit\(\s*["']([a-z_]+)["']""")


def written_actions() -> set[str]:
    return {
        action
        for folder in ("web", "models")
        for path in (ROOT / folder).rglob("*.py")
        for action in AUDIT_CALL.findall(path.read_text(encoding="utf-8"))
    }


def test_every_action_written_to_the_audit_log_has_a_name(app) -> None:
    from web.labels import AUDIT_ACTION_LABELS

    actions = written_actions()
    assert {"visit_transition", "visit_answered", "login_failed"} & actions  # the scan finds calls
    assert sorted(actions - AUDIT_ACTION_LABELS.keys()) == []
    with app.test_request_context(), force_locale("en"):
        english = {action: str(AUDIT_ACTION_LABELS[action]) for action in actions}
    assert english["visit_transition"] == "Visit status changed"
    assert not [a for a, label in english.items() if re.search("[åäöÅÄÖ]", label)]


def test_the_audit_log_shows_the_name_not_the_code(client, make, db, vault) -> None:
    from models import AuditEvent
    from models.enums import Role

    from .logins import log_in_as

    log_in_as(client, make, vault, Role.ADMIN)
    db.add(AuditEvent(action="visit_outcome_corrected", target_type="visit", target_id=3, request_id="req42"))
    db.commit()
    page = client.get("/admin/logg").get_data(as_text=True)
    row = page[page.index("req42") - 2000:page.index("req42")]
    assert "Besökets utfall rättat (visit_outcome_corrected)" in row
