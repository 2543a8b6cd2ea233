"""The audit trail for the periodic log review: search by who, what, which record, when and
outcome; export to CSV and Excel with formula cells neutralised; the export itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from models import AuditEvent
from models.enums import Role

from .logins import log_in_as

STOCKHOLM_NOON = dt.timezone(dt.timedelta(hours=1))


def _event(db, action, *, at, actor=None, target_type="", target_id=None, success=True, **details):
    event = AuditEvent(
        action=action, actor_id=actor.id if actor else None, actor_role=str(actor.role) if actor else "",
        target_type=target_type, target_id=target_id, success=success, at=at, ip="10.0.0.7",
        request_id="req123456", details=details,
    )
    db.add(event)
    return event


def _rows(html: str) -> int:
    """Events shown: each of the events made here carries the request id "req123456"."""
    return html.count("req123456")


def test_search_by_actor_action_target_dates_and_outcome(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    pl = make.user(Role.PROJECT_LEADER, name="Pia Ledare", email="pia@test.example")
    wo = make.user(Role.WELFARE_OFFICER, email="walter@test.example")
    day = dt.datetime(2026, 3, 10, 12, tzinfo=STOCKHOLM_NOON)
    _event(db, "candidate_viewed", actor=pl, at=day, target_type="candidate", target_id=7)
    _event(db, "candidate_viewed", actor=wo, at=day + dt.timedelta(days=2), target_type="candidate", target_id=8)
    _event(db, "access_denied", actor=wo, at=day + dt.timedelta(days=2), target_type="candidate", target_id=7,
           success=False)
    _event(db, "visit_booked", actor=pl, at=day + dt.timedelta(days=40), target_type="visit", target_id=3)
    db.commit()
    base = "/admin/logg?date_from=2026-03-01&date_to=2026-04-30"

    assert _rows(client.get(base).get_data(as_text=True)) == 4
    html = client.get(base + "&actor=pia").get_data(as_text=True)
    assert _rows(html) == 2 and "pia@test.example" in html
    assert _rows(client.get(base + f"&actor={wo.id}").get_data(as_text=True)) == 2
    assert _rows(client.get(base + "&action=candidate_viewed").get_data(as_text=True)) == 2
    assert _rows(client.get(base + "&target_type=candidate&target_id=7").get_data(as_text=True)) == 2
    html = client.get(base + "&success=0").get_data(as_text=True)
    assert _rows(html) == 1 and "Misslyckades eller nekades" in html
    # whole Swedish days: the 12th is included up to its last minute, the 13th is not
    assert _rows(client.get("/admin/logg?date_from=2026-03-11&date_to=2026-03-12").get_data(as_text=True)) == 2
    assert _rows(client.get("/admin/logg?date_from=2026-03-13&date_to=2026-04-18").get_data(as_text=True)) == 0

    bad = client.get("/admin/logg?date_from=2026-04-01&date_to=2026-03-01")
    assert bad.status_code == 422 and "Slutdatumet kan inte vara före startdatumet." in bad.get_data(as_text=True)


def test_the_log_is_paged(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    start = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    for i in range(60):
        _event(db, "report_viewed", at=start + dt.timedelta(minutes=i), target_type="programme", target_id=i + 1)
    db.commit()
    first = client.get("/admin/logg?action=report_viewed").get_data(as_text=True)
    assert _rows(first) == 50 and "Sida 1 av 2" in first and "programme #60" in first  # newest first
    second = client.get("/admin/logg?action=report_viewed&page=2").get_data(as_text=True)
    assert _rows(second) == 10 and "programme #1<" in second


def test_export_neutralises_formula_cells_and_is_itself_audited(client, make, db, vault) -> None:
    admin = log_in_as(client, make, vault, Role.ADMIN)
    at = dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
    for payload in ("=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        _event(db, payload, at=at, target_type="candidate", target_id=1)
    db.commit()
    query = "date_from=2026-02-01&date_to=2026-02-28"

    response = client.get(f"/admin/logg/export.csv?{query}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Tid (svensk tid)", "Händelse"]
    actions = sorted(r[1] for r in rows[1:])
    assert len(actions) == 6 and all(a.startswith("'") for a in actions)

    response = client.get(f"/admin/logg/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 6 and all(c.startswith("'") for c in cells)
    assert all(row[1].data_type != "f" for row in sheet.iter_rows(min_row=2))
    assert sheet.cell(row=2, column=1).value == dt.datetime(2026, 2, 2, 10, 0)  # Swedish time

    exports = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit_exported")).all()
    # in no particular order: the statement has none, and once in CI SQLite gave the xlsx first
    assert sorted((e.actor_id, e.details["format"], e.details["rows"]) for e in exports) == [
        (admin.id, "csv", 6), (admin.id, "xlsx", 6)
    ]


def test_only_admins_may_search_or_export(client, auth) -> None:
    auth.login(Role.STEERING)
    assert client.get("/admin/logg").status_code == 403
    assert client.get("/admin/logg/export.csv").status_code == 403
