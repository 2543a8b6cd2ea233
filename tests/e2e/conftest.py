"""End-to-end fixtures: the real app on a free localhost port, driven by Debian's Chromium.

The app is built by `create_app` on a fresh database whose schema comes from the Alembic
migrations (a SQLite file in a temporary folder; a fresh PostgreSQL database when
TEST_DB=postgresql), with real CSRF, rate limits off and mail kept in memory. It is seeded
once with a small demo partnership; each test adds what it needs through tests/factories.py.

Chromium: Playwright's own browser download does not work on these machines, so the tests
launch /usr/bin/chromium (or CHROMIUM_PATH). Without it the tests are skipped with a message;
with RUN_BROWSER_TESTS=1 (CI) a missing browser is a failure instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from models import Base, Candidate, Offer, User, Visit, clock, make_engine
from models.demo import DEMO_PASSWORD, seed_demo
from web import create_app
from web.cli import alembic_config
from web.extensions import db as web_db
from web.mail import send_pending_now, sent_messages

from ..conftest import TEST_DB, create_pg_database, drop_pg_database
from ..factories import Factory

try:  # the test modules import these from here, so that without Playwright they skip (or fail) cleanly
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect
except ImportError:  # reported by the `chromium_path` fixture
    PlaywrightTimeout = TimeoutError  # noqa: N816
    expect = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"  # CI keeps this folder
GUIDE_SCREENSHOTS = ROOT / "docs" / "guide" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The demo's logins (models/demo.py); every demo password is DEMO_PASSWORD.
PROJECT_LEADER = "projektledare@demo.example"
OFFICER = "handlaggare.nord@demo.example"
EMPLOYER = "foretag1@demo.example"
OTHER_EMPLOYER = "foretag2@demo.example"
STEERING = "styrgrupp@demo.example"
ADMIN = "admin@demo.example"
SELECTION_PARTNER = "urval.af@demo.example"  # AF's contact person in the selection


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright or axe-playwright-python is not installed ({exc}); run `make test` to install them."
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` (or set CHROMIUM_PATH)."
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    problem = _browser_problem()
    if problem is not None:
        if os.environ.get("RUN_BROWSER_TESTS") == "1":
            pytest.fail(f"Browser tests are required (RUN_BROWSER_TESTS=1) but cannot run: {problem}")
        pytest.skip(f"Browser tests skipped: {problem}")
    return CHROMIUM


@dataclass
class LiveServer:
    """The running app: its base URL, the app object (for mail and config) and DB access."""

    url: str
    app: Any
    totp: pyotp.TOTP  # the demo admin's second factor ("phone app")

    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A database session of the test's own; commit to make rows visible to the app."""
        session = self.app.extensions["database"].factory()
        try:
            yield session
        finally:
            session.close()

    def mails(self, to: str | None = None) -> list[Any]:
        """Messages delivered so far (newest last), optionally only those to one address."""
        messages = sent_messages(self.app)
        return [m for m in messages if to is None or m["To"] == to]

    def link_in_mail(self, to: str, path_part: str, timeout: float = 10.0) -> str:
        """The newest link to `to` whose path contains `path_part`. Mail leaves through the outbox,
        as the outbox worker would send it (`send_pending_now`)."""
        deadline = time.monotonic() + timeout
        while True:
            send_pending_now(self.app)
            for message in reversed(self.mails(to)):
                text = message.get_body(("plain",)).get_content()
                for word in text.split():
                    if word.startswith(self.url) and path_part in word:
                        return word.rstrip(".,)>")
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {to} with a link to {path_part!r}")
            time.sleep(0.1)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bool]:
    if TEST_DB == "postgresql":
        return create_pg_database("iop_e2e"), True
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite'}", False


@pytest.fixture(scope="session")
def live(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from alembic import command as alembic_command

    url, is_pg = _database_url(tmp_path_factory)
    alembic_command.upgrade(alembic_config(url), "head")
    # A table a model gained after the last migration is created too, so the browser tests keep
    # running while its migration is pending (tests/test_migrations.py is the check for that);
    # with the migrations up to date this adds nothing.
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-1234567",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "memory",  # delivered by `link_in_mail`, as the outbox worker would
            # The app's clock is frozen (tests/conftest.py) but Chromium's is not: a login cookie
            # that expires at "frozen now + 10 hours" would already have expired in the browser
            # when the frozen moment lies days back. The app's own idle and absolute timeouts,
            # which it checks on the frozen clock, still apply.
            "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=3650),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    vault = app.extensions["pin_vault"]
    secret = pyotp.random_base32()
    with app.app_context():
        seed_demo(web_db.session, vault, n_candidates=40, n_companies=12)
        admin = web_db.session.scalar(sa.select(User).where(User.email == ADMIN))
        admin.totp_secret = vault.encrypt(secret)
        web_db.session.commit()
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(base, app, pyotp.TOTP(secret))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            web_db.engine.dispose()
        if is_pg:
            drop_pg_database(url)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium for the run; Playwright gives each launch a fresh temporary profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Pages:
    """Opens browser tabs, each in its own context (own cookies), closed after the test."""

    def __init__(self, browser: Any, live: LiveServer):
        self._browser = browser
        self._live = live
        self._contexts: list[Any] = []

    def new(self, viewport: dict[str, int] | None = None) -> Any:
        context = self._browser.new_context(
            base_url=self._live.url, viewport=viewport or DESKTOP, locale="sv-SE", timezone_id="Europe/Stockholm"
        )
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        return context.new_page()

    def as_user(self, email: str, viewport: dict[str, int] | None = None) -> Any:
        """A tab logged in as `email` through the real login page (and the code page for the admin)."""
        page = self.new(viewport)
        log_in(page, email, totp=self._live.totp if email == ADMIN else None)
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()


def log_in(page: Any, email: str, password: str = DEMO_PASSWORD, totp: pyotp.TOTP | None = None) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    if totp is not None:
        page.wait_for_url("**/login/kod")
        page.get_by_label("Kod").fill(totp.now())
        page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, live)
    yield opened
    opened.close()


def guide_pictures() -> set[str]:
    """The screenshots the user guides show (../screenshots/<name>.png in docs/guide/*/*.md)."""
    names: set[str] = set()
    for guide in GUIDE_SCREENSHOTS.parent.glob("*/*.md"):
        names.update(re.findall(r"\(\.\./screenshots/([\w.-]+\.png)\)", guide.read_text(encoding="utf-8")))
    return names


def screenshot(page: Any, name: str) -> Path:
    """Save a PNG of the viewport to the CI artifacts; with UPDATE_GUIDE_SCREENSHOTS=1 also to the
    user guide, if a guide shows it, as a small palette PNG, so the guide shows the latest run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state()  # a click that posts a form may still be loading the next page
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") == "1" and path.name in guide_pictures():
        from PIL import Image

        GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE,
                                                  dither=Image.Dither.NONE)
            small.save(GUIDE_SCREENSHOTS / path.name, optimize=True)
    return path


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page, one readable line each."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state()
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} – {targets}")
    return found


@dataclass
class Scene:
    """Rows the page checks need, made once: a candidate of the demo officer's unit, the demo
    employer's company with an offer, a proposed and a completed visit there, and the links a
    supervisor and a participant get by email."""

    candidate_id: int
    company_id: int
    offer_id: int
    proposed_visit_id: int
    completed_visit_id: int
    activity_id: int
    programme_id: int
    admin_id: int
    answer_link: str
    survey_link: str  # the participant's after-questionnaire
    phone_survey_link: str  # the participant's before-questionnaire (answered on a phone)
    company_survey_link: str  # the company's after-questionnaire
    employee_survey_link: str  # the colleagues' link in the company's after-questionnaire mail
    activity_survey_link: str  # a participant's after-questionnaire about a group activity
    feedback_link: str  # the supervisor's link to the feedback template of another completed visit


@pytest.fixture(scope="session")
def scene(live: LiveServer) -> Scene:
    import datetime as dt

    from models import Activity, Company, Programme
    from models.clock import STOCKHOLM
    from models.enums import SurveyMoment, VisitStatus
    from models.operations.visits import is_working_day
    from web.feedback.service import feedback_url
    from web.surveys.service import send_activity_invitation, send_invitation
    from web.visits.service import propose_visit

    today = clock.local_today()
    ahead, before = today + dt.timedelta(days=7), today - dt.timedelta(days=3)
    while not is_working_day(ahead):
        ahead += dt.timedelta(days=1)
    with live.session() as session:
        make = Factory(session)
        officer = session.scalar(sa.select(User).where(User.email == OFFICER))
        company = session.scalar(sa.select(Company).join(User, User.company_id == Company.id)
                                 .where(User.email == EMPLOYER))
        offer = make.offer(company, title="Jobbskugga i receptionen", field="hospitality",
                           supervisor_email="receptionen@foretag1.example", capacity_per_day=3)
        candidate = make.candidate(referred_by=officer, first_name="Nour", last_name="Sidprovsson",
                                   email="nour.sidprovsson@deltagare.example", vault=live.app.extensions["pin_vault"])
        completed = make.visit(candidate, offer, day=before, status=VisitStatus.COMPLETED, actual_hours=6)
        other = make.visit(make.candidate(referred_by=officer, first_name="Sam", email="sam@deltagare.example"),
                           offer, day=before, status=VisitStatus.COMPLETED, actual_hours=5)
        ids = {
            "candidate_id": candidate.id, "company_id": company.id, "offer_id": offer.id,
            "completed_visit_id": completed.id, "other_visit_id": other.id,
            "activity_id": session.scalar(sa.select(Activity.id).order_by(Activity.id)),
            "programme_id": session.scalar(sa.select(Programme.id).order_by(Programme.id)),
            "admin_id": session.scalar(sa.select(User.id).where(User.email == ADMIN)),
        }
        session.commit()
    links: dict[str, str] = {}
    with live.app.test_request_context(base_url=live.url):
        leader = web_db.session.scalar(sa.select(User).where(User.email == PROJECT_LEADER))
        offer = web_db.session.get(Offer, ids["offer_id"])
        candidate = web_db.session.get(Candidate, ids["candidate_id"])
        start = dt.datetime.combine(ahead, dt.time(9, 0), tzinfo=STOCKHOLM)
        ids["proposed_visit_id"] = propose_visit(offer, candidate, start, start + dt.timedelta(hours=6), by=leader).id
        web_db.session.commit()
        links["answer_link"] = live.link_in_mail("receptionen@foretag1.example", "/svar/")
        for key, moment in (("survey_link", SurveyMoment.PARTICIPANT_AFTER),
                            ("phone_survey_link", SurveyMoment.PARTICIPANT_BEFORE),
                            ("company_survey_link", SurveyMoment.COMPANY_AFTER)):
            invitation = send_invitation(moment, web_db.session.get(Visit, ids["completed_visit_id"]))
            web_db.session.commit()
            links[key] = live.link_in_mail(invitation.email, "/enkat/")
        links["employee_survey_link"] = live.link_in_mail("receptionen@foretag1.example", "/enkat/medarbetare/")
        activity = web_db.session.get(Activity, ids["activity_id"])
        invitation = send_activity_invitation(SurveyMoment.PARTICIPANT_AFTER, activity, candidate)
        web_db.session.commit()
        links["activity_survey_link"] = live.link_in_mail(invitation.email, "/enkat/")
        links["feedback_link"] = feedback_url(web_db.session.get(Visit, ids.pop("other_visit_id")))
    return Scene(**ids, **links)
