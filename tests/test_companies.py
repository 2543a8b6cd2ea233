"""The company network for project leaders: companies, contacts and offers, their rules and
who may reach them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import AuditEvent, Company, Contact, Offer
from models.enums import CompanyStatus, Network, SizeClass
from models.operations import companies as ops
from models.operations.errors import Conflict, DomainError

from .factories import org_number

VALID_ORG = "556036-0793"


def company_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Bageriet på hörnet AB",
        "org_number": VALID_ORG,
        "industry": "Livsmedel",
        "size_class": "small",
        "network": "hif_sponsor",
        "status": "active",
        "address": "Storgatan 1",
        "postcode": "25221",
        "city": "Helsingborg",
        "lat": "56,0465",
        "lon": "12,6945",
        "notes": "",
    }
    form.update(overrides)
    return form


def offer_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "Bagare för en dag",
        "field": "hospitality",
        "description": "Baka bröd och stå i kassan.",
        "min_swedish_level": "2",
        "languages": "svenska, engelska",
        "weekdays": ["mon", "wed", "fri"],
        "window_start": "06:00",
        "window_end": "14:00",
        "hours": "6",
        "capacity_per_day": "1",
        "capacity_per_quarter": "4",
        "accessible": "y",
        "supervisor_name": "Hanna Handledare",
        "supervisor_email": "hanna@bageriet.example",
        "supervisor_phone": "042-123 45",
        "active": "y",
    }
    form.update(overrides)
    return form


def offer_data(**overrides: object) -> ops.OfferData:
    values: dict[str, object] = {
        "title": "Lager",
        "field": "transport",
        "window_start": dt.time(8),
        "window_end": dt.time(16),
        "supervisor_name": "Sam Handledare",
        "supervisor_email": "sam@lager.example",
    }
    values.update(overrides)
    return ops.OfferData(**values)  # type: ignore[arg-type]


def count(db, model) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(model))


# --- operations ------------------------------------------------------------------------------
def test_create_company_normalises_org_number_and_postcode(db) -> None:
    company = ops.create_company(
        db,
        ops.CompanyData(name=" Bageriet AB ", org_number="5560360793", size_class="small", network="both",
                        postcode="25221"),
    )
    assert company.org_number == VALID_ORG
    assert company.postcode == "252 21"
    assert company.name == "Bageriet AB"
    assert company.status == CompanyStatus.PROSPECT


@pytest.mark.parametrize("raw", ["556036-0794", "12345", "abcdefghij", ""])
def test_invalid_org_number_is_refused(db, raw: str) -> None:
    with pytest.raises(DomainError) as err:
        ops.create_company(db, ops.CompanyData(name="X AB", org_number=raw, size_class="small", network="both"))
    assert err.value.field == "org_number"
    assert "Organisationsnumret är inte giltigt" in err.value.message


def test_duplicate_org_number_is_refused(db, make) -> None:
    make.company(org_number=VALID_ORG)
    with pytest.raises(DomainError, match="finns redan ett företag") as err:
        ops.create_company(db, ops.CompanyData(name="Y AB", org_number="556036 0793", size_class="small",
                                               network="both"))
    assert err.value.field == "org_number"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"hours": 3.5}, "hours", "4–8 timmar"),
        ({"hours": 8.5}, "hours", "4–8 timmar"),
        ({"hours": 0}, "hours", "4–8 timmar"),
        ({"capacity_per_day": 0}, "capacity_per_day", "minst 1"),
        ({"capacity_per_day": -2}, "capacity_per_day", "minst 1"),
        ({"capacity_per_quarter": 0}, "capacity_per_quarter", "minst 1"),
        ({"capacity_per_quarter": -5}, "capacity_per_quarter", "minst 1"),
        ({"capacity_per_day": 3, "capacity_per_quarter": 2}, "capacity_per_quarter", "färre än antal per dag"),
        ({"capacity_per_day": 1.5}, "capacity_per_day", "heltal"),
        ({"window_start": dt.time(14), "window_end": dt.time(8)}, "window_end", "innan det börjar"),
        ({"window_start": dt.time(10), "window_end": dt.time(10)}, "window_end", "innan det börjar"),
        ({"window_start": dt.time(8), "window_end": dt.time(11), "hours": 6}, "window_end", "kortare än besökets"),
        ({"field": "astronaut"}, "field", "yrkesområde"),
        ({"weekdays": ["mon", "fredag"]}, "weekdays", "Okänd veckodag"),
        ({"weekdays": []}, "weekdays", "minst en veckodag"),
        ({"languages": "svenska, klingonska"}, "languages", "Okänt språk"),
        ({"languages": ""}, "languages", "minst ett språk"),
        ({"min_swedish_level": 7}, "min_swedish_level", "mellan 0"),
        ({"supervisor_email": "inte-en-adress"}, "supervisor_email", "inte en giltig e-postadress"),
        ({"supervisor_name": "  "}, "supervisor_name", "handledarens namn"),
        ({"title": ""}, "title", "rubrik"),
        ({"lat": 56.0}, "lon", "både latitud och longitud"),
        ({"lat": 95.0, "lon": 12.0}, "lat", "utanför -90–90"),
    ],
)
def test_offer_rules(db, make, overrides: dict[str, object], field: str, words: str) -> None:
    company = make.company()
    with pytest.raises(DomainError) as err:
        ops.create_offer(db, company, offer_data(**overrides))
    assert err.value.field == field
    assert words in err.value.message
    db.rollback()
    assert count(db, Offer) == 0


def test_offer_accepts_language_names_and_codes_and_keeps_weekday_order(db, make) -> None:
    offer = ops.create_offer(
        db, make.company(), offer_data(languages="Svenska; en, arabiska, EN", weekdays=["fri", "mon"], hours="7,5")
    )
    assert offer.languages == ["sv", "en", "ar"]
    assert offer.weekdays == ["mon", "fri"]
    assert offer.hours == 7.5


@pytest.mark.parametrize("hours", [4, 8, "4,0", 6.5])
def test_offer_hours_at_the_limits_are_allowed(db, make, hours: object) -> None:
    assert ops.create_offer(db, make.company(), offer_data(hours=hours)).hours in (4, 8, 6.5)


def test_company_that_left_cannot_get_offers(db, make) -> None:
    company = make.company(status=CompanyStatus.LEFT)
    with pytest.raises(DomainError, match="lämnat nätverket"):
        ops.create_offer(db, company, offer_data())


def test_stale_offer_edit_is_a_conflict(db, make) -> None:
    offer = make.offer()
    db.commit()
    with pytest.raises(Conflict, match="Någon annan har ändrat"):
        ops.update_offer(db, offer, offer_data(), expected_version=offer.version - 1)


# --- the project leader's pages --------------------------------------------------------------
def test_project_leader_registers_a_company_with_an_offer(client, auth, db) -> None:
    auth.login("project_leader")
    response = client.post("/foretag/nytt", data=company_form())
    assert response.status_code == 302
    company = db.scalar(sa.select(Company))
    assert company.org_number == VALID_ORG and company.network == Network.HIF_SPONSOR
    assert response.headers["Location"].endswith(f"/foretag/{company.id}/erbjudanden/nytt")

    response = client.post(f"/foretag/{company.id}/erbjudanden/nytt", data=offer_form())
    assert response.status_code == 302
    offer = db.scalar(sa.select(Offer))
    assert (offer.company_id, offer.languages, offer.weekdays) == (company.id, ["sv", "en"], ["mon", "wed", "fri"])
    assert offer.accessible and offer.active and offer.hours == 6

    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Bageriet på hörnet AB" in page and "Bagare för en dag" in page and "hanna@bageriet.example" in page
    actions = set(db.scalars(sa.select(AuditEvent.action)))
    assert {"company_created", "offer_created"} <= actions


def test_new_offer_form_suggests_the_supervisor_contact(client, auth, make, db) -> None:
    auth.login("project_leader")
    company = make.company()
    db.commit()
    page = client.get(f"/foretag/{company.id}/erbjudanden/nytt").get_data(as_text=True)
    assert f'value="{company.contacts[0].email}"' in page


@pytest.mark.parametrize("org", ["556036-0794", "123"])
def test_invalid_org_number_in_form_is_shown_and_nothing_saved(client, auth, db, org: str) -> None:
    auth.login("project_leader")
    response = client.post("/foretag/nytt", data=company_form(org_number=org))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Organisationsnumret är inte giltigt" in page
    assert 'aria-invalid="true"' in page
    assert count(db, Company) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity_per_day": "0"}, "Antal besökare per dag måste vara minst 1."),
        ({"capacity_per_day": "-1"}, "Antal besökare per dag måste vara minst 1."),
        ({"capacity_per_quarter": "-3"}, "Antal besökare per kvartal måste vara minst 1."),
        ({"hours": "3"}, "Ett arbetsplatsbesök är 4–8 timmar."),
        ({"hours": "9"}, "Ett arbetsplatsbesök är 4–8 timmar."),
        ({"hours": "sex"}, "Skriv ett tal"),
        ({"window_start": "15:00", "window_end": "07:00"}, "Tidsfönstret slutar (07:00) innan det börjar (15:00)."),
    ],
)
def test_bad_offer_input_gets_a_message_and_nothing_is_saved(client, auth, make, db, overrides, message) -> None:
    auth.login("project_leader")
    company = make.company()
    db.commit()
    response = client.post(f"/foretag/{company.id}/erbjudanden/nytt", data=offer_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Offer) == 0


def test_edit_company_and_stale_edit_is_refused(client, auth, make, db) -> None:
    auth.login("project_leader")
    company = make.company(name="Gamla namnet AB")
    db.commit()
    stale = str(company.version)
    form = company_form(name="Nya namnet AB", org_number=company.org_number, version=stale)
    assert client.post(f"/foretag/{company.id}/andra", data=form).status_code == 302
    db.refresh(company)
    assert company.name == "Nya namnet AB"

    response = client.post(f"/foretag/{company.id}/andra", data={**form, "name": "Tredje namnet AB"})
    assert response.status_code == 409
    assert "Någon annan har ändrat uppgifterna" in response.get_data(as_text=True)
    db.refresh(company)
    assert company.name == "Nya namnet AB"


def test_offer_edit_pause_and_resume(client, auth, make, db) -> None:
    auth.login("project_leader")
    offer = make.offer(capacity_per_quarter=5)
    db.commit()
    form = offer_form(capacity_per_quarter="9", version=str(offer.version))
    assert client.post(f"/foretag/erbjudanden/{offer.id}/andra", data=form).status_code == 302
    db.refresh(offer)
    assert offer.capacity_per_quarter == 9 and offer.title == "Bagare för en dag"

    client.post(f"/foretag/erbjudanden/{offer.id}/pausa", data={"version": str(offer.version)})
    db.refresh(offer)
    assert offer.active is False
    client.post(f"/foretag/erbjudanden/{offer.id}/pausa", data={"version": str(offer.version)})
    db.refresh(offer)
    assert offer.active is True


def test_contacts_are_added_changed_and_removed(client, auth, make, db) -> None:
    auth.login("project_leader")
    company = make.company()
    db.commit()
    response = client.post(
        f"/foretag/{company.id}/kontakter/ny",
        data={"name": "Kim Kontakt", "title": "HR", "email": "kim@foretag.example", "is_supervisor": "y"},
    )
    assert response.status_code == 302
    contact = db.scalar(sa.select(Contact).where(Contact.name == "Kim Kontakt"))
    assert contact.is_supervisor and contact.company_id == company.id

    bad = client.post(f"/foretag/{company.id}/kontakter/{contact.id}/andra", data={"name": "Kim", "email": "kim@"})
    assert bad.status_code == 422 and "inte en giltig e-postadress" in bad.get_data(as_text=True)

    client.post(f"/foretag/{company.id}/kontakter/{contact.id}/ta-bort")
    assert db.scalar(sa.select(Contact).where(Contact.name == "Kim Kontakt")) is None


def test_contact_of_another_company_is_not_found(client, auth, make, db) -> None:
    auth.login("project_leader")
    one, other = make.company(), make.company()
    db.commit()
    contact_id = other.contacts[0].id
    assert client.post(f"/foretag/{one.id}/kontakter/{contact_id}/ta-bort").status_code == 404
    assert db.get(Contact, contact_id) is not None


def test_company_list_searches_and_filters(client, auth, make, db) -> None:
    auth.login("project_leader")
    make.company(name="Alfa Bygg AB", network=Network.HIF_SPONSOR, org_number=VALID_ORG)
    beta = make.company(name="Beta Vård AB", network=Network.BOTH, size_class=SizeClass.LARGE)
    make.offer(beta, field="healthcare")
    make.company(name="Gamma IT AB", network=Network.TH_NETWORK, status=CompanyStatus.PAUSED)
    db.commit()

    def names(query: str) -> set[str]:
        page = client.get(f"/foretag/?{query}").get_data(as_text=True)
        return {n for n in ("Alfa Bygg AB", "Beta Vård AB", "Gamma IT AB") if n in page}

    assert names("") == {"Alfa Bygg AB", "Beta Vård AB", "Gamma IT AB"}
    assert names("q=beta") == {"Beta Vård AB"}
    assert names("q=5560360793") == {"Alfa Bygg AB"}
    assert names("network=th_network") == {"Beta Vård AB", "Gamma IT AB"}  # "both" belongs to each network
    assert names("network=both") == {"Beta Vård AB"}
    assert names("status=paused") == {"Gamma IT AB"}
    assert names("field=healthcare") == {"Beta Vård AB"}
    assert names("size_class=large") == {"Beta Vård AB"}
    assert names("network=nonsense") == {"Alfa Bygg AB", "Beta Vård AB", "Gamma IT AB"}


def test_company_list_pages_by_25(client, auth, make, db) -> None:
    auth.login("project_leader")
    for n in range(30):
        make.company(name=f"Företag {n:02d} AB", org_number=org_number(900 + n))
    db.commit()
    first = client.get("/foretag/").get_data(as_text=True)
    second = client.get("/foretag/?page=2").get_data(as_text=True)
    assert "Företag 00 AB" in first and "Företag 25 AB" not in first and "Sida 1 av 2" in first
    assert "Företag 25 AB" in second and "Företag 00 AB" not in second


def test_company_page_shows_visits_and_activities_hosted(client, auth, make, db) -> None:
    from models import Activity
    from models.enums import ActivityType, VisitStatus

    auth.login("project_leader")
    offer = make.offer(title="Kock för en dag")
    visit = make.visit(offer=offer, status=VisitStatus.CONFIRMED)
    start = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
    db.add(Activity(type=ActivityType.WELLNESS, title="Promenad med personalen", starts_at=start,
                    ends_at=start + dt.timedelta(hours=2), company_id=offer.company_id))
    db.commit()
    page = client.get(f"/foretag/{offer.company_id}").get_data(as_text=True)
    assert "Bekräftat" in page and "Kock för en dag" in page and "Promenad med personalen" in page
    assert f'href="/besok/{visit.id}"' in page and visit.candidate.initials in page


# --- access ------------------------------------------------------------------------------------
ROUTES = ["/foretag/", "/foretag/nytt", "/foretag/{c}", "/foretag/{c}/andra", "/foretag/{c}/erbjudanden/nytt",
          "/foretag/erbjudanden/{o}/andra", "/foretag/kapacitet", "/foretag/{c}/kontakter/ny"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["welfare_officer", "employer", "steering"])
def test_only_project_leaders_and_admins_reach_the_network(client, auth, make, db, route: str, role: str) -> None:
    user = auth.login(role)
    company = user.company if role == "employer" else make.company()  # even the employer's own company
    offer = make.offer(company)
    db.commit()
    response = client.get(route.format(c=company.id, o=offer.id))
    assert response.status_code == 403
    denied = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access_denied"))
    assert denied is not None and denied.actor_id == user.id and denied.success is False


@pytest.mark.parametrize("role", ["project_leader", "admin"])
def test_project_leaders_and_admins_reach_every_page(client, auth, make, db, role: str) -> None:
    auth.login(role)
    offer = make.offer()
    db.commit()
    for route in ROUTES:
        assert client.get(route.format(c=offer.company_id, o=offer.id)).status_code == 200, route


def test_employer_cannot_change_own_company_network_or_status(client, auth, db) -> None:
    employer = auth.login("employer")
    company = employer.company
    response = client.post(
        f"/foretag/{company.id}/andra",
        data=company_form(org_number=company.org_number, network="th_network", status="left"),
    )
    assert response.status_code == 403
    db.refresh(company)
    assert company.network == Network.HIF_SPONSOR and company.status == CompanyStatus.ACTIVE


def test_anonymous_user_is_sent_to_login(client) -> None:
    response = client.get("/foretag/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
