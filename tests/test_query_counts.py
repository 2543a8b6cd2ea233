"""No N+1 queries on list pages: a list page sends as many SQL statements for 25 rows as for 5.

Each test fills a list with 5 rows, counts the statements of one page view (SQLAlchemy's
`before_cursor_execute` on the app's engine), adds 20 more rows and counts again. A page that
loads something per row (a lazy relationship in the template, a check per row) sends 20 more
statements the second time. The page must also show the 25th row, so the count is of a page
that really lists them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from models import User, clock
from models.enums import ReferralStatus, Role, VisitStatus
from models.operations import audit as audit_ops
from models.operations import visits as visit_ops

from .logins import log_in_as

SMALL, LARGE = 5, 25


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["database"].engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def statements_for(client: Any, app: Any, path: str, expect: str) -> int:
    """The number of statements one view of `path` sends (after a first, uncounted view, so that
    once-a-minute bookkeeping such as the login session's last-seen time is out of the way)."""
    assert client.get(path).status_code == 200
    with counting(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert expect in response.get_data(as_text=True), f"{path} does not list {expect!r}"
    return len(statements)


def assert_flat(client: Any, app: Any, db: Any, path: str, add_row: Callable[[int], str]) -> None:
    """`add_row(i)` adds the i-th row and returns text that the page shows for it."""
    last = ""
    for i in range(SMALL):
        last = add_row(i)
    db.commit()
    few = statements_for(client, app, path, last)
    for i in range(SMALL, LARGE):
        last = add_row(i)
    db.commit()
    many = statements_for(client, app, path, last)
    assert many == few, f"{path}: {few} statements for {SMALL} rows but {many} for {LARGE}"


def _soon(i: int) -> dt.date:
    return clock.local_today() + dt.timedelta(days=7 + i)


def test_candidate_bank_is_flat(client, app, auth, db, make) -> None:
    auth.login("project_leader")
    offer = make.offer()

    def add(i: int) -> str:
        candidate = make.candidate(last_name=f"Banksson{i:02d}")
        make.visit(candidate, offer, day=_soon(i), status=VisitStatus.CONFIRMED)
        return candidate.last_name

    assert_flat(client, app, db, "/kandidater/?sort=name", add)


def test_referral_list_is_flat(client, app, auth, db, make) -> None:
    officer = auth.login("welfare_officer")
    offer = make.offer()

    def add(i: int) -> str:
        candidate = make.candidate(referred_by=officer, last_name=f"Remissdotter{i:02d}")
        make.visit(candidate, offer, day=_soon(i), status=VisitStatus.PROPOSED)
        return candidate.last_name

    assert_flat(client, app, db, "/kandidater/remisser", add)


def test_visit_list_is_flat(client, app, auth, db, make) -> None:
    auth.login("project_leader")

    def add(i: int) -> str:
        visit = make.visit(make.candidate(last_name=f"Besöksson{i:02d}"), day=_soon(i))
        return visit.candidate.last_name

    assert_flat(client, app, db, "/besok", add)


def test_company_list_is_flat(client, app, auth, db, make) -> None:
    auth.login("project_leader")

    def add(i: int) -> str:
        company = make.company(name=f"Listföretaget {i:02d} AB")
        make.offer(company)
        make.offer(company, active=False)
        return company.name

    assert_flat(client, app, db, "/foretag/", add)


def test_employer_visit_list_is_flat(client, app, auth, db, make) -> None:
    employer = make.user(Role.EMPLOYER)
    offer = make.offer(employer.company)
    auth.login(employer)
    statuses = (VisitStatus.PROPOSED, VisitStatus.CONFIRMED, VisitStatus.COMPLETED)

    def add(i: int) -> str:
        status = statuses[i % 3]
        day = _soon(i) if status != VisitStatus.COMPLETED else clock.local_today() - dt.timedelta(days=3 + i)
        visit = make.visit(make.candidate(first_name=f"Gäst{i:02d}"), offer, day=day, status=status,
                           actual_hours=6 if status == VisitStatus.COMPLETED else None)
        return visit.candidate.first_name

    assert_flat(client, app, db, "/foretaget/besok", add)


def test_audit_log_is_flat(client, app, db, make, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)

    def add(i: int) -> str:
        actor = make.user(Role.PROJECT_LEADER, email=f"loggad{i:02d}@test.example")
        audit_ops.record(db, "candidate_viewed", actor=actor, target_type="candidate", target_id=1000 + i)
        return actor.email

    assert_flat(client, app, db, "/admin/logg", add)


def test_account_list_is_flat(client, app, db, make, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)

    def add(i: int) -> str:
        role = (Role.WELFARE_OFFICER, Role.EMPLOYER, Role.PROJECT_LEADER)[i % 3]
        user: User = make.user(role, name=f"Kontosson {i:02d}")
        return user.name

    assert_flat(client, app, db, "/admin/konton?status=all", add)


def test_the_waiting_referrals_are_read_in_order_from_their_index(db, make) -> None:
    """The start page shows the oldest submitted referrals first (`project_leader_panel`): the
    database reads them in that order from `ix_referral_status_referred` instead of sorting
    every waiting referral (20 ms with 9,000 waiting at a region's size)."""
    from models import Referral
    from models.enums import ReferralStatus
    from models.operations.candidate_bank import referred_at

    for _ in range(3):
        make.candidate(status=ReferralStatus.SUBMITTED)
    db.commit()
    stmt = (sa.select(Referral.id).where(Referral.status == ReferralStatus.SUBMITTED)
            .order_by(referred_at(), Referral.id).limit(10))
    sql = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("SET LOCAL enable_seqscan = off"))
        db.execute(sa.text("SET LOCAL enable_sort = off"))
        plan = "\n".join(row[0] for row in db.execute(sa.text(f"EXPLAIN {sql}")))
        assert "Sort" not in plan
    else:
        plan = "\n".join(row[3] for row in db.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "TEMP B-TREE" not in plan  # no sort
    assert "ix_referral_status_referred" in plan
    assert len(db.scalars(stmt).all()) == 3
    db.rollback()


# Columns of a participant that the start page's lists and the calendar never show.
# (The lists join the participant under an alias, `candidate_1`.)
UNSHOWN_PERSONAL = ("pin_encrypted", "pin_masked", "email", "phone", "birth_date", "adjustments")


def _reads_unshown(client: Any, app: Any, path: str, names: tuple[str, ...],
                   unshown: tuple[str, ...] = UNSHOWN_PERSONAL) -> list[str]:
    """The `unshown` columns of a candidate that one view of `path` reads; it must show each of
    `names`."""
    client.get(path)
    with counting(app) as statements:
        page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in names:
        assert name in text, f"{path} does not show {name}"
    return candidate_columns_read(statements, unshown)


def candidate_columns_read(statements: list[str], columns: tuple[str, ...]) -> list[str]:
    """Which of a candidate's `columns` any of `statements` selects (under its name or an alias)."""
    return sorted({column for column in columns for statement in statements
                   if re.search(rf"\bcandidate(_\d+)?\.{column}\b", statement)})


def test_start_page_and_calendar_read_names_not_personal_details(client, app, auth, db, make) -> None:
    """The start page's lists (visits needing action, this week's visits, referrals waiting or
    returned) and the calendar show people by name: they must not read the identity number,
    contact details or needs of the people they list (least privilege; it is also a third of
    the lists' work)."""
    today = clock.local_today()
    make.visit(make.candidate(last_name="Veckosson"), day=today, status=VisitStatus.CONFIRMED)
    make.visit(make.candidate(last_name="Accepterasson"), day=today + dt.timedelta(days=14),
               status=VisitStatus.ACCEPTED)
    make.visit(make.candidate(last_name="Passeradsson"), day=today - dt.timedelta(days=2),
               status=VisitStatus.CONFIRMED)
    make.candidate(last_name="Inskickadsson", status=ReferralStatus.SUBMITTED)
    officer = make.user(Role.WELFARE_OFFICER)
    make.candidate(referred_by=officer, last_name="Återsändsson", status=ReferralStatus.RETURNED)
    db.commit()
    auth.login("project_leader")
    assert _reads_unshown(client, app, "/", ("Accepterasson", "Passeradsson", "Inskickadsson")) == []
    assert _reads_unshown(client, app, "/kalender", ("Veckosson",)) == []
    auth.logout()
    auth.login(officer)
    assert _reads_unshown(client, app, "/", ("Återsändsson",)) == []


# What a company or a selection partner never sees of a person (web/employer/visitor.py,
# models/operations/selection.py): not even loaded for their pages.
NEVER_OUTSIDE = ("pin_encrypted", "pin_hash", "pin_masked", "birth_date", "email", "phone", "gender", "needs_other",
                 "postcode", "lat", "lon")


def test_company_and_selection_pages_load_no_identity_or_contact_details(client, app, auth, db, make) -> None:
    """A company's start page, visit list, visit page and calendar feed load only what the
    visitor view shows of the person; the selection partners' pages only what their view shows
    (no surname either)."""
    employer = make.user(Role.EMPLOYER)
    offer = make.offer(employer.company)
    today = clock.local_today()
    upcoming = make.visit(make.candidate(first_name="Gästa"), offer, day=today + dt.timedelta(days=3),
                          status=VisitStatus.CONFIRMED)
    make.visit(make.candidate(first_name="Gästb"), offer, day=today + dt.timedelta(days=5),
               status=VisitStatus.PROPOSED)
    make.candidate(first_name="Urvalsa", last_name="Efternamnsson", status=ReferralStatus.SUBMITTED)
    db.commit()
    auth.login(employer)
    assert _reads_unshown(client, app, "/", ("Gästb",), NEVER_OUTSIDE) == []
    assert _reads_unshown(client, app, "/foretaget/besok", ("Gästa", "Gästb"), NEVER_OUTSIDE) == []
    assert _reads_unshown(client, app, f"/foretaget/besok/{upcoming.id}", ("Gästa",), NEVER_OUTSIDE) == []
    _feed, token = visit_ops.create_calendar_feed(db, employer)
    db.commit()
    assert _reads_unshown(client, app, f"/kalender/{token}.ics", ("BEGIN:VEVENT",), NEVER_OUTSIDE) == []
    auth.logout()
    auth.login(Role.SELECTION_PARTNER)
    assert _reads_unshown(client, app, "/urval/", ("Urvalsa",), (*NEVER_OUTSIDE, "last_name")) == []


def test_the_feedback_form_loads_no_more_of_the_visitor_for_a_company(client, app, auth, db, make) -> None:
    """The feedback form is a company's page as much as the project leaders': for an employer,
    and through the link mailed to the supervisor, it loads only what the visitor view shows of
    the person (saving it still mails the participant their part: tests/test_feedback_by_link.py)."""
    from web.feedback.service import feedback_url

    employer = make.user(Role.EMPLOYER)
    offer = make.offer(employer.company)
    today = clock.local_today()
    shown = make.visit(make.candidate(first_name="Gästc", email="gastc@exempel.example"), offer,
                       day=today - dt.timedelta(days=1), status=VisitStatus.COMPLETED, actual_hours=5)
    linked = make.visit(make.candidate(first_name="Gästd", email="gastd@exempel.example"), offer,
                        day=today - dt.timedelta(days=2), status=VisitStatus.COMPLETED, actual_hours=5)
    db.commit()
    auth.login(employer)
    assert _reads_unshown(client, app, f"/besok/{shown.id}/aterkoppling", ("Gästc",), NEVER_OUTSIDE) == []
    auth.logout()
    with app.test_request_context():
        path = feedback_url(linked).split("://", 1)[-1].split("/", 1)[1]
    with counting(app) as statements:
        page = client.get(f"/{path}")
    assert page.status_code == 200 and "Gästd" in page.get_data(as_text=True)
    assert candidate_columns_read(statements, NEVER_OUTSIDE) == []

    # Staff still see the participant in full on the same form.
    auth.login("project_leader")
    staff = client.get(f"/besok/{shown.id}/aterkoppling").get_data(as_text=True)
    assert shown.candidate.display_name in staff
