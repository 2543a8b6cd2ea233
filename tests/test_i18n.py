"""Languages: Swedish by default, English per user, complete catalogues, local formats, and
domain errors in the user's language."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_domain

from models import User
from models.enums import Role, VisitStatus
from models.operations import visits as visit_ops
from models.operations.errors import Conflict, DomainError, joined
from web.i18n import catalogues, error_message, translate
from web.templating import date_with_week, number

from .factories import org_number
from .logins import enrol_totp, log_in

WRONG_CURRENT_PASSWORD = {
    "current_password": "not-my-password", "password": "a-long-new-password", "confirm": "a-long-new-password",
}
ROLES = [Role.PROJECT_LEADER, Role.WELFARE_OFFICER, Role.EMPLOYER, Role.STEERING, Role.ADMIN]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues(app: Any) -> None:
    """The English pages need the compiled catalogues that `make` builds; build them here when
    they are missing or older than the .po files, and drop what Flask-Babel cached before."""
    for locale in catalogues.LOCALES:
        po = catalogues.catalogue_path(locale)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalogues.compile_all()
            break
    with app.app_context():
        get_domain().cache.clear()


def _english() -> Any:
    with catalogues.catalogue_path("en").open("rb") as po:
        return read_po(po, locale="en")


# --- the catalogues ---------------------------------------------------------------------------
def test_every_message_in_the_source_is_translated_in_both_catalogues() -> None:
    template = catalogues.extract()
    assert len(template) > 1000  # the extraction really read the templates, views and models

    problems = catalogues.check(template)

    assert not problems, "run `flask --app web i18n update` and translate:\n" + catalogues.describe(problems)


def test_the_messages_domain_operations_raise_are_extracted() -> None:
    ids = {m.id for m in catalogues.extract() if m.id}

    assert "Nuvarande lösenord stämmer inte." in ids  # DomainError("...")
    assert "Det finns redan ett företag med organisationsnummer %(org_number)s." in ids  # with a value
    assert "Filen är tom. Fyll i mallen och ladda upp den igen." in ids  # SpreadsheetError("...")
    assert "%(what)s saknas." in ids and "Förnamnet" in ids  # N_() in the row parsers
    assert "avbokat" in ids  # a status word put into messages


def test_english_is_not_the_swedish_copied() -> None:
    copied = [
        m.id for m in _english()
        if m.id and not isinstance(m.id, tuple) and m.string == m.id and re.search("[åäöÅÄÖ]", m.id)
        and m.id not in catalogues.KEEP_IN_ENGLISH
    ]

    assert copied == []


def test_english_keeps_the_placeholders_and_has_both_plural_forms() -> None:
    catalog = _english()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == len(ids) and all(strings), message.id
        for source, text in zip(ids, strings, strict=True):
            assert sorted(re.findall(r"%\(\w+\)s", text)) == sorted(re.findall(r"%\(\w+\)s", source)), message.id


def test_swedish_catalogue_is_the_source_text_itself() -> None:
    with catalogues.catalogue_path("sv").open("rb") as po:
        catalog = read_po(po, locale="sv")

    assert all(m.string == m.id for m in catalog if m.id)


def test_compiled_catalogues_hold_every_entry() -> None:
    with catalogues.catalogue_path("en").with_suffix(".mo").open("rb") as mo:
        compiled = read_mo(mo)

    assert compiled.get("Logga ut").string == "Log out"
    assert len([m for m in compiled if m.id]) == len([m for m in _english() if m.id])


# --- the English UI, per user -----------------------------------------------------------------
def _login(client: Any, make: Any, vault: Any, role: Role) -> User:
    user = make.user(role=role)
    make.session.commit()
    totp = enrol_totp(make.session, user, vault) if role == Role.ADMIN else None
    log_in(client, user, totp)
    return user


def _login_again(client: Any, db: Any, vault: Any, user: User) -> None:
    # A code is good once: an admin logs in again with a fresh secret rather than wait 30 s.
    totp = enrol_totp(db, user, vault) if user.role == Role.ADMIN else None
    log_in(client, user, totp)


def _menu_links(page: str) -> list[str]:
    menu = re.search(r'<nav class="main-nav".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', menu.group(0)) if menu else []


def _swedish_ui_texts() -> list[str]:
    """Swedish UI texts long enough not to be mistaken for anything else, with their English
    translation different from them: none of them may show on an English page."""
    return [
        m.id for m in _english()
        if isinstance(m.id, str) and m.string != m.id and len(m.id) >= 12 and "%(" not in m.id
    ]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_switches_to_english_and_it_is_remembered(client, db, make, vault, role) -> None:
    user = _login(client, make, vault, role)
    swedish = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in swedish and "Logga ut" in swedish

    response = client.post("/language", data={"locale": "en", "next": "/"})

    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, user.id).locale == "en"
    client.post("/logout")
    _login_again(client, db, vault, user)  # a new login session: only the account remembers
    start = client.get("/")
    page = start.get_data(as_text=True)
    assert start.status_code == 200
    assert '<html lang="en">' in page
    assert "Log out" in page and "Logga ut" not in page
    assert 'aria-label="Main menu"' in page
    assert '<span lang="sv">Svenska</span>' in page  # the way back, named in its own language


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_main_pages_of_each_role_show_no_swedish_ui_text_in_english(client, db, make, vault, role) -> None:
    _login(client, make, vault, role)
    client.post("/language", data={"locale": "en", "next": "/"})
    swedish_texts = _swedish_ui_texts()

    links = ["/", *_menu_links(client.get("/").get_data(as_text=True))]

    assert len(links) >= 2  # the start page and at least one area of the role
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        page = html.unescape(response.get_data(as_text=True))
        assert '<html lang="en">' in page, link
        leaks = [text for text in swedish_texts if text in page]
        assert leaks == [], f"{link} shows Swedish: {leaks[:5]}"


def test_switching_back_to_swedish(client, db, make, vault) -> None:
    user = _login(client, make, vault, Role.PROJECT_LEADER)
    client.post("/language", data={"locale": "en", "next": "/"})

    client.post("/language", data={"locale": "sv", "next": "/"})

    db.expire_all()
    assert db.get(User, user.id).locale == "sv"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Logga ut" in page
    assert '<span lang="en">English</span>' in page


def test_visitor_without_account_gets_swedish_then_chosen_language(client) -> None:
    assert '<html lang="sv">' in client.get("/login").get_data(as_text=True)

    client.post("/language", data={"locale": "en", "next": "/login"})

    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_language_form_refuses_unknown_languages(client, make, vault) -> None:
    _login(client, make, vault, Role.PROJECT_LEADER)

    assert client.post("/language", data={"locale": "de"}).status_code == 400


# --- formats ----------------------------------------------------------------------------------
def test_swedish_dates_and_numbers(app) -> None:
    with app.test_request_context("/"), force_locale("sv"):
        assert date_with_week(dt.date(2026, 12, 1)) == "tis 1 dec. 2026 (v. 49)"
        assert date_with_week(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == "fre 1 jan. 2027 (v. 53)"
        assert number(1234567) == "1\u00a0234\u00a0567"  # non-breaking space between thousands
        assert number(1234.5, 2) == "1\u00a0234,50"  # decimal comma


def test_english_dates_and_numbers(app) -> None:
    with app.test_request_context("/"), force_locale("en"):
        assert date_with_week(dt.date(2026, 12, 1)) == "Tue 1 Dec 2026 (wk 49)"
        assert number(1234567) == "1,234,567"
        assert number(1234.5, 2) == "1,234.50"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_numbers_are_written_as_babel_writes_them(app, language: str) -> None:
    """`number` writes a report's figures itself (a page has thousands); it must give exactly
    what Babel's formatter gives: rounding half to even from the shortest decimal form (2.675 →
    2,68), signs, grouping and zero of every kind."""
    import random

    from babel.numbers import format_decimal

    rng = random.Random(19)
    values: list[float | int] = [0, 0.0, -0.0, -0.001, -0.004, 0.005, 2.675, 0.125, 1e-7, 12345678901.5, -1234567.125,
                                 999.995, 1e15, -7, 1234567]
    values += [round(rng.uniform(-1e6, 1e6), rng.randint(0, 5)) for _ in range(400)]
    values += [rng.randint(-10**9, 10**9) for _ in range(100)]
    values += [rng.random() * 100 for _ in range(100)]  # shares in percent
    with app.test_request_context("/"), force_locale(language):
        for value in values:
            for digits in (0, 1, 2):
                pattern = "#,##0" + ("." + "0" * digits if digits else "")
                assert number(value, digits) == format_decimal(value, format=pattern, locale=language), (value, digits)


# --- domain errors in the user's language -----------------------------------------------------
def test_domain_error_on_a_form_is_shown_in_english(client, db, make, vault) -> None:
    _login(client, make, vault, Role.PROJECT_LEADER)
    client.post("/language", data={"locale": "en", "next": "/"})

    response = client.post("/account/password", data=WRONG_CURRENT_PASSWORD)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The current password is wrong." in page
    assert "Nuvarande lösenord stämmer inte." not in page


def test_domain_error_with_a_value_is_shown_in_english(client, db, make, vault) -> None:
    existing = make.company(org_number=org_number(424242))
    make.session.commit()
    _login(client, make, vault, Role.PROJECT_LEADER)
    client.post("/language", data={"locale": "en", "next": "/"})

    response = client.post(
        "/foretag/nytt",
        data={"name": "Dubbletten AB", "org_number": existing.org_number, "size_class": "small",
              "network": "hif_sponsor", "status": "active"},
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"A company with organisation number {existing.org_number} already exists." in page
    assert "Det finns redan" not in page


def test_the_same_domain_error_stays_swedish_for_a_swedish_user(client, db, make, vault) -> None:
    _login(client, make, vault, Role.PROJECT_LEADER)

    response = client.post("/account/password", data=WRONG_CURRENT_PASSWORD)

    assert "Nuvarande lösenord stämmer inte." in response.get_data(as_text=True)


def test_messages_with_translated_words_inside_are_translated_word_by_word(app) -> None:
    refused = visit_ops._refused(VisitStatus.PROPOSED, VisitStatus.COMPLETED)
    final = visit_ops._refused(VisitStatus.CANCELLED, VisitStatus.CONFIRMED)

    assert str(refused.message).startswith("Besöket är föreslaget och kan inte bli genomfört.")  # Swedish as before
    with app.test_request_context("/"), force_locale("en"):
        assert error_message(refused) == (
            "The visit is proposed and cannot become completed. "
            "From proposed it can only become accepted, cancelled or declined."
        )
        assert error_message(final).startswith("The visit is cancelled and cannot become confirmed.")
        weekday = DomainError("Företaget tar emot besök på %(days)s. Välj en av de dagarna.",
                              days=joined(visit_ops.WEEKDAY_WORDS[d] for d in ("mon", "wed")))
        assert error_message(weekday) == "The company receives visits on Mon, Wed. Choose one of those days."


def test_text_that_is_not_in_the_catalogue_is_shown_as_it_is(app) -> None:
    with app.test_request_context("/"), force_locale("en"):
        assert translate("Bageriet på hörnet AB") == "Bageriet på hörnet AB"
        assert translate(None) == "" and translate("") == ""
        conflict = Conflict("Det finns redan ett företag med organisationsnummer %(org_number)s.",
                            org_number="Nuvarande lösenord stämmer inte.")
        # a value is never looked up, even when it happens to be a msgid
        assert error_message(conflict).endswith("organisation number Nuvarande lösenord stämmer inte. already exists.")


def test_every_error_raised_with_a_message_in_models_is_an_extraction_keyword() -> None:
    """A message raised as `SomeError("Svensk text…")` reaches users only if babel.cfg extracts
    that class's first argument: an error class missing there loses its English silently."""
    import configparser
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "babel.cfg")
    keywords = set(config["python: models/**.py"]["keywords"].split())
    raised = set()
    for path in (root / "models").rglob("*.py"):
        raised |= set(re.findall(r"raise (\w+)\(\s*\n?\s*\"[A-ZÅÄÖ]", path.read_text(encoding="utf-8")))
    operators_only = {"BackupError"}  # the backup/restore commands speak to the operator, in Swedish
    assert raised, "the pattern finds the raises"
    assert raised - operators_only <= keywords, f"add to babel.cfg's keywords: {sorted(raised - keywords)}"
