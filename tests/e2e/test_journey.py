"""The whole journey in a real browser, each step as the role that does it: a welfare officer
refers a client, the project leader accepts and proposes a visit, the employer accepts, the
visit is confirmed and completed with six hours, the supervisor gives feedback, the participant
answers the after-questionnaire and the steering group sees the person counted. Plus the
emailed answer link, the import preview with a bad row and a refused cross-company address.

Each step writes a screenshot to tests/artifacts/screenshots/ (the user guide's pictures).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from models import Candidate, Company, Offer, User, Visit, clock
from models.clock import STOCKHOLM
from models.operations.visits import is_working_day

from ..factories import Factory, personnummer
from .conftest import EMPLOYER, OFFICER, OTHER_EMPLOYER, PROJECT_LEADER, STEERING, LiveServer, Pages, expect, screenshot

pytestmark = pytest.mark.browser

CLIENT_FIRST = "Amal"
CLIENT_LAST = "Provsson"
CLIENT_EMAIL = "amal.provsson@deltagare.example"
CLIENT_PIN = personnummer(dt.date(1979, 2, 28), 421)
TARGET_GROUP = "Utrikes födda, nya i Sverige"
OFFER_TITLE = "Jobbskugga i storköket"
SUPERVISOR_EMAIL = "kocken@foretag1.example"


def working_day(start: dt.date, step: int) -> dt.date:
    """The first working day after (step=1) or before (step=-1) `start`."""
    day = start + dt.timedelta(days=step)
    while not is_working_day(day):
        day += dt.timedelta(days=step)
    return day


def quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass
class Setting:
    """The offer a test books, and its company's name as the pages show it."""

    offer_id: int
    company_name: str
    where: tuple[float, float]  # the company's latitude and longitude


def add_offer(live: LiveServer, employer_email: str, title: str, supervisor_email: str) -> Setting:
    """A six-hour offer at the employer's company, 08–17 every working day."""
    with live.session() as session:
        company = session.scalar(sa.select(Company).join(User, User.company_id == Company.id)
                                 .where(User.email == employer_email))
        offer = Factory(session).offer(
            company, title=title, field="hospitality", min_swedish_level=1, languages=["sv"],
            window_start=dt.time(8, 0), window_end=dt.time(17, 0), hours=6, capacity_per_day=3,
            capacity_per_quarter=30, supervisor_name="Kim Kock", supervisor_email=supervisor_email,
        )
        session.commit()
        return Setting(offer.id, company.name, (company.lat or 56.046, company.lon or 12.694))


def new_persons_in(page: Any, quarter: str) -> int:
    """The "Nya personer" figure of one quarter in the dashboard's quarter table."""
    row = page.locator("#tabell-kvartal").locator("xpath=..").locator("tbody tr").filter(
        has=page.locator("th", has_text=quarter)
    )
    text = row.locator("td").first.inner_text().strip()
    assert text.isdigit(), f"{quarter}: {text!r}"
    return int(text)


# --- the steps ----------------------------------------------------------------------------------
def officer_refers_client(pages: Pages, setting: Setting) -> None:
    page = pages.as_user(OFFICER)
    page.get_by_role("link", name="Mina remisser").click()
    page.get_by_role("link", name="Ny remiss").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny remiss")
    page.get_by_label("Förnamn", exact=True).fill(CLIENT_FIRST)
    page.get_by_label("Efternamn", exact=True).fill(CLIENT_LAST)
    page.get_by_label("Personnummer eller samordningsnummer", exact=True).fill(f"{CLIENT_PIN[:8]}-{CLIENT_PIN[8:]}")
    page.get_by_label("E-post", exact=True).fill(CLIENT_EMAIL)
    page.get_by_label("Målgrupp", exact=True).select_option(label=TARGET_GROUP)
    page.get_by_label("Svenskanivå", exact=True).select_option(value="5")
    page.get_by_role("group", name="Andra språk").get_by_label("arabiska", exact=True).check()
    page.get_by_label("Hotell, restaurang, storhushåll").check()
    weekdays = page.get_by_role("group", name="Dagar klienten kan")
    for day in ("måndag", "tisdag", "onsdag", "torsdag", "fredag"):
        weekdays.get_by_label(day, exact=True).check()
    page.get_by_label("Område (stadsdel eller ort)", exact=True).fill("Drottninghög")
    for label, value in zip(("Latitud", "Longitud"), setting.where, strict=True):  # lives near the company
        page.get_by_label(label, exact=True).fill(f"{value:.3f}".replace(".", ","))
    page.get_by_label("Skäl för remissen", exact=True).fill("Vill prova på restaurangkök och öva svenska i arbetet.")
    page.get_by_label("Klienten samtycker till att uppgifterna ovan delas").check()
    page.get_by_label("Klienten samtycker till att förnamn, intressen").check()
    page.get_by_label("Datum för samtycket", exact=True).fill(clock.local_today().isoformat())
    page.get_by_label("Hur samtycket gavs", exact=True).select_option(label="Skriftligt")
    page.get_by_label("Förnamn", exact=True).scroll_into_view_if_needed()
    screenshot(page, "01-officer-referral-form")
    page.get_by_role("button", name="Skicka remissen").click()
    expect(page.get_by_text("Remissen är skickad till projektledaren.")).to_be_visible()
    screenshot(page, "02-officer-referral-sent")


def leader_accepts_and_proposes(pages: Pages, live: LiveServer, setting: Setting, day: dt.date) -> int:
    page = pages.as_user(PROJECT_LEADER)
    page.get_by_role("link", name="Kandidatbank").click()
    page.get_by_label("Namn", exact=True).fill(CLIENT_LAST)
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name=f"{CLIENT_LAST}, {CLIENT_FIRST}").click()
    candidate_id = int(re.search(r"/kandidater/(\d+)", page.url).group(1))
    screenshot(page, "03-leader-candidate-referral")
    page.get_by_role("button", name="Anta och aktivera").click()
    expect(page.get_by_text("Remissen är antagen och deltagaren är aktiv.")).to_be_visible()

    page.get_by_role("link", name="Företag", exact=True).click()
    page.get_by_role("link", name=setting.company_name).click()
    screenshot(page, "04-leader-company-offers")
    page.get_by_role("link", name=OFFER_TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFER_TITLE)
    expect(page.get_by_role("heading", name="Föreslagna kandidater")).to_be_visible()
    person = page.get_by_role("link", name=f"{CLIENT_FIRST} {CLIENT_LAST}", exact=True)
    if not person.count():  # the offer page shows the ten best; the whole list can be searched
        page.get_by_role("link", name="Fler kandidater, annan dag, filter och sökning").click()
        page.get_by_label("Sök på namn", exact=True).fill(CLIENT_LAST)
        page.get_by_role("button", name="Visa").click()
    row = page.locator("tbody tr").filter(has=person)
    expect(row).to_have_count(1)
    reasons = row.locator("td ul li")
    assert reasons.count() >= 1 and all(r.strip() for r in reasons.all_inner_texts())
    row.scroll_into_view_if_needed()
    screenshot(page, "05-leader-offer-recommendations")
    row.get_by_role("link", name=f"Föreslå besök – {CLIENT_FIRST} {CLIENT_LAST}").click()
    expect(page.get_by_label("Deltagare", exact=True)).to_have_value(str(candidate_id))
    expect(page.get_by_label("Erbjudande", exact=True)).to_have_value(str(setting.offer_id))
    page.get_by_label("Dag", exact=True).fill(day.isoformat())
    expect(page.get_by_label("Starttid", exact=True)).to_have_value("08:00")
    expect(page.get_by_label("Sluttid", exact=True)).to_have_value("14:00")
    screenshot(page, "06-leader-booking-form")
    page.get_by_role("button", name="Föreslå besöket").click()
    expect(page.get_by_text("Besöket är föreslaget.")).to_be_visible()
    return int(re.search(r"/besok/(\d+)", page.url).group(1))


def assert_minimal_visitor_data(page: Any) -> None:
    text = page.locator("main").inner_text()
    assert CLIENT_FIRST in text
    for secret in (CLIENT_LAST, CLIENT_PIN, CLIENT_PIN[:8], CLIENT_PIN[2:8], TARGET_GROUP, CLIENT_EMAIL):
        assert secret not in page.content(), f"the employer must not see {secret!r}"
    assert "Hotell, restaurang, storhushåll" in text  # the interests the company does see


def employer_accepts(pages: Pages) -> Any:
    page = pages.as_user(EMPLOYER)
    page.get_by_role("link", name="Vårt företag").click()
    waiting = page.locator("table").filter(has_text=CLIENT_FIRST).first
    waiting.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Föreslagen besökare: {CLIENT_FIRST}")
    assert_minimal_visitor_data(page)
    screenshot(page, "07-employer-proposed-visitor")
    page.get_by_role("button", name="Ja, vi tar emot besökaren").click()
    expect(page.get_by_text("Tack! Ert svar är skickat till projektledaren.")).to_be_visible()
    assert_minimal_visitor_data(page)
    screenshot(page, "08-employer-accepted")
    return page


def move_visit_to(live: LiveServer, visit_id: int, day: dt.date) -> None:
    """The day of the visit has come and gone: the booked 08–14 visit is moved to `day`
    (bookings in the past are refused by design, so time passes in the database)."""
    with live.session() as session:
        visit = session.get(Visit, visit_id)
        start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=STOCKHOLM)
        visit.start_at, visit.end_at, visit.visit_date = start, start + dt.timedelta(hours=6), day
        session.commit()


def leader_confirms_and_completes(pages: Pages, live: LiveServer, visit_id: int, held_on: dt.date) -> Any:
    page = pages.as_user(PROJECT_LEADER)
    page.goto(f"/besok/{visit_id}")
    expect(page.get_by_text("Accepterat").first).to_be_visible()
    page.get_by_role("button", name="Bekräfta och skicka inbjudan").click()
    expect(page.locator("main .badge").first).to_have_text("Bekräftat")
    screenshot(page, "09-leader-visit-confirmed")
    move_visit_to(live, visit_id, held_on)
    page.reload()
    done = page.locator("section").filter(has=page.get_by_role("heading", name="Besöket är genomfört"))
    done.get_by_label("Faktisk starttid", exact=True).fill("08:00")
    done.get_by_label("Faktisk sluttid", exact=True).fill("14:00")
    done.scroll_into_view_if_needed()
    screenshot(page, "10-leader-register-completed")
    done.get_by_role("button", name="Registrera som genomfört").click()
    expect(page.locator("main .badge").first).to_have_text("Genomfört")
    expect(page.locator("dd").filter(has_text=re.compile(r"\(6(,0)? timmar\)"))).to_be_visible()
    expect(page.get_by_text("Räknas inte mot målet")).to_have_count(0)
    return page


def supervisor_gives_feedback(employer_page: Any, visit_id: int) -> None:
    page = employer_page
    page.goto(f"/foretaget/besok/{visit_id}")
    page.get_by_role("link", name="Fyll i återkopplingen efter besöket").click()
    for group, answer in (("Passade tiderna", "5 – mycket bra"), ("Visade intresse", "4"), ("Helhetsintryck", "4")):
        page.get_by_role("group", name=group).get_by_label(answer, exact=True).check()
    page.get_by_label("Det här gjorde besökaren bra").fill("Frågade mycket och hjälpte till med disken.")
    page.get_by_label("Det här kan besökaren utveckla").fill("Fråga gärna om det är något som är oklart.")
    page.get_by_role("group", name="Skulle ni ta emot besökaren igen?").get_by_label("Ja", exact=True).check()
    page.get_by_label("Hälsning till besökaren", exact=True).fill("Välkommen tillbaka!")
    screenshot(page, "11-supervisor-feedback")
    page.get_by_role("button", name="Spara återkopplingen").click()
    expect(page.locator(".flash-success")).to_be_visible()


def participant_answers_after_questionnaire(
    pages: Pages, live: LiveServer, leader_page: Any, setting: Setting, held_on: dt.date
) -> None:
    page = leader_page
    page.goto("/enkater/skicka")
    row = page.locator("tr").filter(has_text=setting.company_name)
    # the client's initials too: the demo may hold another visit at the same company that day
    initials = CLIENT_FIRST[0] + CLIENT_LAST[0]
    row.get_by_role("button", name=re.compile(f"Deltagare – efter, {initials}\\b.*{held_on.isoformat()}")).click()
    expect(page.get_by_text("Enkäten är skickad.")).to_be_visible()
    screenshot(page, "12-leader-send-questionnaire")
    link = live.link_in_mail(CLIENT_EMAIL, "/enkat/")

    participant = pages.new()  # no account: the link is the key
    participant.goto(link)
    expect(participant.get_by_role("heading", level=1)).to_have_text("Hur ser du på arbetslivet?")
    screenshot(participant, "13-participant-questionnaire")
    answer_questionnaire(participant)
    expect(participant.locator("main")).to_contain_text("Tack")
    screenshot(participant, "14-participant-thanks")


def answer_questionnaire(page: Any) -> None:
    """Answer every question on every page (the fourth option of each scale), then send."""
    for number in range(1, 10):
        expect(page.get_by_text(f"Sida {number} av")).to_be_visible()
        for group in page.locator("form fieldset").all():
            group.get_by_role("radio").nth(3).check()
        for text in page.locator("form textarea").all():
            text.fill("Det var roligt att se hur ett kök fungerar.")
        finish = page.get_by_role("button", name="Skicka in svaren")
        if finish.count():
            finish.click()
            return
        page.get_by_role("button", name="Spara och fortsätt").click()
    raise AssertionError("the questionnaire never reached its last page")


# --- the tests ----------------------------------------------------------------------------------
def test_journey_from_referral_to_the_steering_groups_quarter(pages: Pages, live: LiveServer) -> None:
    setting = add_offer(live, EMPLOYER, OFFER_TITLE, SUPERVISOR_EMAIL)
    today = clock.local_today()
    booked_for, held_on = working_day(today, 1), working_day(today, -1)
    steering = pages.as_user(STEERING)
    steering.goto("/uppfoljning/")
    before = new_persons_in(steering, quarter_label(held_on))

    officer_refers_client(pages, setting)
    visit_id = leader_accepts_and_proposes(pages, live, setting, booked_for)
    live.link_in_mail(SUPERVISOR_EMAIL, "/svar/")  # the proposal reached the supervisor
    proposal = live.mails(to=SUPERVISOR_EMAIL)[-1].get_body(("plain",)).get_content()
    assert CLIENT_LAST not in proposal and CLIENT_PIN[:8] not in proposal
    employer_page = employer_accepts(pages)
    leader_page = leader_confirms_and_completes(pages, live, visit_id, held_on)
    supervisor_gives_feedback(employer_page, visit_id)
    participant_answers_after_questionnaire(pages, live, leader_page, setting, held_on)

    steering.reload()
    expect(steering.get_by_role("heading", name="Kvartal för kvartal")).to_be_visible()
    assert new_persons_in(steering, quarter_label(held_on)) == before + 1
    content = steering.content()
    for personal in (CLIENT_FIRST, CLIENT_LAST, CLIENT_PIN, CLIENT_PIN[:8], CLIENT_EMAIL):
        assert personal not in content, f"the steering group must not see {personal!r}"
    steering.get_by_role("heading", name="Kvartal för kvartal").scroll_into_view_if_needed()
    screenshot(steering, "15-steering-dashboard")


def test_employer_answers_through_the_emailed_link(pages: Pages, live: LiveServer) -> None:
    setting = add_offer(live, OTHER_EMPLOYER, "Jobbskugga på lagret", "lagerchefen@foretag2.example")
    with live.session() as session:
        officer = session.scalar(sa.select(User).where(User.email == OFFICER))
        visitor = Factory(session).candidate(referred_by=officer, first_name="Sami", last_name="Länksson",
                                             vault=live.app.extensions["pin_vault"])
        visitor_id, pin_masked = visitor.id, visitor.pin_masked
        session.commit()
    leader = pages.as_user(PROJECT_LEADER)
    leader.goto(f"/besok/nytt?offer={setting.offer_id}&candidate={visitor_id}")
    leader.get_by_label("Dag", exact=True).fill(working_day(clock.local_today(), 2).isoformat())
    leader.get_by_role("button", name="Föreslå besöket").click()
    expect(leader.get_by_text("Besöket är föreslaget.")).to_be_visible()

    link = live.link_in_mail("lagerchefen@foretag2.example", "/svar/")
    supervisor = pages.new()  # no login: the emailed link is enough
    supervisor.goto(link)
    expect(supervisor.get_by_role("heading", level=1)).to_contain_text("Förslag på besökare")
    expect(supervisor.locator("main")).to_contain_text("Sami")
    for secret in ("Länksson", pin_masked, pin_masked[:8], "Utrikes födda"):
        assert secret not in supervisor.content(), f"the supervisor must not see {secret!r}"
    screenshot(supervisor, "16-employer-answer-link")
    supervisor.get_by_role("button", name="Ja, vi tar emot besökaren").click()
    expect(supervisor.locator("main")).to_contain_text("Tack")
    with live.session() as session:
        assert session.scalar(sa.select(Visit.status).where(Visit.candidate_id == visitor_id)).value == "accepted"
    supervisor.goto(link)  # a link works once
    expect(supervisor.get_by_role("heading", level=1)).to_contain_text("redan")


def test_import_preview_shows_the_bad_row_and_imports_nothing(pages: Pages, live: LiveServer, tmp_path: Any) -> None:
    with live.session() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(Candidate))
    good = personnummer(dt.date(1985, 6, 15), 311)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)  # a wrong check digit
    rows = [
        "Förnamn;Efternamn;Personnummer;Målgrupp;Svenskanivå;Intressen;Veckodagar",
        f"Sara;Importsson;{good};newcomer;3;hospitality;mån, tis",
        f"Omar;Felradsson;{bad};youth;2;sales;ons",
    ]
    path = tmp_path / "kandidater.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    page = pages.as_user(PROJECT_LEADER)
    page.goto("/kandidater/import")
    page.get_by_label("Fil (.xlsx eller .csv)", exact=True).set_input_files(str(path))
    page.get_by_label("Remitterande handläggare", exact=True).select_option(index=1)
    page.get_by_role("button", name="Granska filen").click()
    errors = page.get_by_role("table", name="Fel att rätta i filen")
    bad_row = errors.locator("tbody tr")
    expect(bad_row).to_have_count(1)
    expect(bad_row.locator("td").first).to_have_text("3")
    expect(bad_row).to_contain_text("Personnummer")
    expect(page.get_by_text("Rätta felen i filen och ladda upp den igen. Ingenting har sparats.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Importera"))).to_have_count(0)
    errors.scroll_into_view_if_needed()
    screenshot(page, "17-leader-import-preview")
    with live.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == before


def test_employer_cannot_open_another_companys_visit(pages: Pages, live: LiveServer) -> None:
    with live.session() as session:
        own_company = session.scalar(sa.select(User.company_id).where(User.email == EMPLOYER))
        other_visit = session.scalars(
            sa.select(Visit.id).join(Visit.offer).where(Offer.company_id != own_company)
        ).first()
    page = pages.as_user(EMPLOYER)
    response = page.goto(f"/foretaget/besok/{other_visit}")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "18-employer-refused")
