"""Every page each role can open, in English, shows no Swedish but names and data (issue #23 item 7).

The demo partnership is seeded (candidates with visits and feedback, companies with offers, a
programme with a budget); then, role by role, every GET page of the app that the role may open
(tests/access_matrix.py) is rendered in English: the pages with URL arguments once with the
access matrix's own objects and, where the demo has a richer one, once with that. A page fails
when its text (and the text of its labels, titles and placeholders) holds a common Swedish UI
word or a word with å, ä or ö, unless the word belongs to something people typed or the demo
made up as data (a name, a company, an offer's title, an area) or stands in an element marked
lang="sv" (the way back to Swedish); and a text that is, whole, one of the catalogue's Swedish
messages that English says otherwise fails too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Optional

import pytest
import sqlalchemy as sa
from babel import Locale

from models import Activity, Candidate, Company, Offer, User, Visit
from models.demo import DEMO_PASSWORD, seed_demo
from models.enums import ReferralStatus, Role, VisitStatus

from .access_matrix import ADMIN, ANONYMOUS, EMPLOYER, EXPECTED, PL, STEERING, WO
from .factories import Factory
from .logins import enrol_totp, log_in

# Common Swedish words of the interface (compared in lower case). A word with å, ä or ö is
# Swedish anyway; these are the ones without, and a few with, that a page would most often leak.
SWEDISH_WORDS = frozenset({
    "och", "att", "inte", "är", "med", "som", "det", "av", "på", "från", "har", "kan", "ska", "eller", "hos",
    "inga", "ingen", "alla", "finns", "saknas", "spara", "besök", "besöket", "besöken", "deltagare",
    "deltagaren", "avbryt", "ändra", "visa", "sök", "företag", "företaget", "kandidat", "kandidaten",
    "kandidater", "remiss", "remissen", "remisser", "erbjudande", "erbjudanden", "handläggare",
    "handläggaren", "projektledare", "projektledaren", "styrgrupp", "styrgruppen", "ja", "nej", "vecka",
    "idag", "tillbaka", "skicka", "målgrupp", "veckodagar", "timmar", "dagar", "kvartal", "kvartalet",
    "uteblev", "genomfört", "bekräftat", "avbokat", "antal", "svenska", "engelska", "välj", "skriv", "fyll",
    "intresse", "intressen", "gemensamt", "avstånd", "passar", "krav", "inget", "uttalat", "lediga",
    "ledig", "tillgänglig", "arbetsplatsen", "arbetsplats", "mot", "målet", "räknas",
})
# The languages' Swedish names where English names them otherwise ("arabiska", "engelska").
SWEDISH_WORDS |= {
    name.casefold() for code, name in Locale("sv").languages.items()
    if len(code) == 2 and " " not in name and name.casefold() != Locale("en").languages.get(code, "").casefold()
}
SWEDISH_LETTERS = re.compile(r"[åäöÅÄÖ]")
WORD = re.compile(r"\w+")
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
HIDDEN_ELEMENTS = {"script", "style", "textarea", "option"}  # a select's options: checked as labels below
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

# Columns whose text people type, or the demo makes up, as data: shown as it is in any language.
DATA_COLUMNS = {
    Candidate: ("first_name", "last_name", "email", "area", "to_workplace", "needs_other"),
    Company: ("name", "industry", "address", "city", "notes"),
    Offer: ("title", "description", "supervisor_name", "supervisor_email", "address"),
    User: ("name", "email"),
    Activity: ("title", "place", "notes"),
    Visit: ("supervisor_name", "status_reason"),
}
DATA_TABLE_COLUMNS = {
    "organisation": ("name", "short_name"),
    "programme": ("name", "description"),
    "survey": ("name",),
    "survey_question": ("text_sv", "text_easy_sv"),
    "contact": ("name", "title", "email"),
    "agreement_change": ("summary", "reason"),
    "quarter_signoff": ("compiled_by_name", "compiled_by_organisation"),
    "quarter_approval": ("user_name",),
    "agreement_approval": ("signed_by",),
    "referral": ("reason", "return_reason"),
    "referral_event": ("reason",),
    "visit_event": ("reason",),
    "feedback": ("strengths", "to_develop", "message_to_participant", "internal_note", "filled_by_name"),
    "commitment": ("reference", "department", "notes"),
    "network_meeting": ("title", "theme", "place", "themes_discussed"),
    "meeting_invitee": ("company_name", "recommended_by", "industry", "contact_name"),
    "api_token": ("name",),
}


def swedish_words(text: str) -> list[str]:
    words = [w for w in WORD.findall(text) if w.casefold() in SWEDISH_WORDS or SWEDISH_LETTERS.search(w)]
    if re.search(r"\bkl\.", text):
        words.append("kl.")
    return words


class _ShownText(HTMLParser):
    """The text a reader sees or hears: text nodes, button values and the attributes above,
    each apart, leaving out scripts, styles, typed text and elements in Swedish (lang="sv")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        values = dict(attrs)
        hidden = self._hidden() or tag in HIDDEN_ELEMENTS or (values.get("lang") == "sv" and tag != "html")
        if not hidden:
            self.texts.extend(v for k, v in attrs if k in SHOWN_ATTRIBUTES and v)
            if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
                self.texts.append(values["value"] or "")
        if tag == "option" and not self._hidden():
            self._stack.append((tag, False))  # an option's label is shown; its value is not
            return
        if tag not in VOID_ELEMENTS:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.texts.append(" ".join(data.split()))


def shown_texts(page: str) -> list[str]:
    parser = _ShownText()
    parser.feed(page)
    parser.close()
    return parser.texts


@dataclass
class DataText:
    """What the database holds as data, read again only when a page seems to leak Swedish."""

    session: Any
    phrases: list[str] = field(default_factory=list)
    values: set[str] = field(default_factory=set)

    def refresh(self) -> None:
        found: set[str] = set()
        for model, columns in DATA_COLUMNS.items():
            for column in columns:
                found.update(v for v in self.session.scalars(sa.select(getattr(model, column)).distinct()) if v)
        for table, columns in DATA_TABLE_COLUMNS.items():
            for column in columns:
                found.update(
                    v for v in self.session.scalars(sa.text(f"SELECT DISTINCT {column} FROM {table}")) if v  # noqa: S608
                )
        self.values = {" ".join(v.split()) for v in found}
        # the longest first, so that a name is taken out before a shorter name inside it
        self.phrases = sorted((p for p in found if swedish_words(p)), key=len, reverse=True)

    def leaks(self, text: str) -> list[str]:
        if not swedish_words(text):
            return []
        for phrase in self.phrases:
            if phrase in text:
                text = text.replace(phrase, " ")
        return swedish_words(text)


def _swedish_messages() -> frozenset[str]:
    """The catalogue's Swedish texts that English says otherwise (without placeholders)."""
    from babel.messages.pofile import read_po

    from web.i18n.catalogues import catalogue_path

    with catalogue_path("en").open("rb") as po:
        return frozenset(
            m.id for m in read_po(po) if isinstance(m.id, str) and m.id and m.string
            and m.string != m.id and "%(" not in m.id and "\n" not in m.id
        )


SWEDISH_MESSAGES = _swedish_messages()


def page_leaks(page: str, data: DataText) -> list[str]:
    leaks: list[str] = []
    for text in shown_texts(page):
        if text in SWEDISH_MESSAGES and text not in data.values:
            leaks.append(f"the Swedish message «{text[:120]}»")
            continue
        words = data.leaks(text)
        if words:
            leaks.append(f"{', '.join(dict.fromkeys(words))} in «{text[:120]}»")
    return leaks


# --- the walk ----------------------------------------------------------------------------------
def _demo_user(db: Any, role: str) -> Optional[User]:
    if role == ANONYMOUS:
        return None
    emails = {
        ADMIN: "admin@demo.example", PL: "projektledare@demo.example", WO: "handlaggare.nord@demo.example",
        STEERING: "styrgrupp@demo.example", EMPLOYER: "foretag1@demo.example",
    }
    return db.scalars(sa.select(User).where(User.email == emails[role])).one()


def _first(db: Any, query: Any) -> Any:
    return db.scalars(query.limit(1)).first()


def _demo_objects(db: Any, me: Optional[User]) -> dict[str, Callable[[], dict[str, Any]]]:
    """The demo's richest objects for the pages with URL arguments, as the role may see them."""
    if me is None:
        return {}
    completed = sa.select(Visit).where(Visit.status == VisitStatus.COMPLETED).order_by(Visit.id)
    if me.role == Role.WELFARE_OFFICER:
        mine = sa.select(Candidate.id).where(Candidate.referrals.any(referred_by_id=me.id))
        visit = _first(db, completed.where(Visit.candidate_id.in_(mine)))
        candidate = db.get(Candidate, visit.candidate_id) if visit else _first(db, sa.select(Candidate).where(
            Candidate.id.in_(mine)))
        return {
            "candidates.candidate": lambda: {"candidate_id": candidate.id},
            "visits.show": lambda: {"visit_id": visit.id},
        }
    if me.role == Role.EMPLOYER:
        own = sa.select(Offer.id).where(Offer.company_id == me.company_id)
        visit = _first(db, sa.select(Visit).where(Visit.offer_id.in_(own)).order_by(Visit.id))
        offer = _first(db, sa.select(Offer).where(Offer.company_id == me.company_id))
        return {
            "employer.visit": lambda: {"visit_id": visit.id},
            "employer.offer_edit": lambda: {"offer_id": offer.id},
        }
    if me.role not in (Role.PROJECT_LEADER, Role.ADMIN):
        return {}
    visit = _first(db, completed)
    active = _first(db, sa.select(Candidate).where(
        Candidate.referrals.any(status=ReferralStatus.ACTIVE)).order_by(Candidate.id))
    offer = _first(db, sa.select(Offer).where(Offer.active.is_(True)).order_by(Offer.id))
    return {
        "candidates.candidate": lambda: {"candidate_id": visit.candidate_id},
        "visits.show": lambda: {"visit_id": visit.id},
        "feedback.fill": lambda: {"visit_id": visit.id},
        "companies.detail": lambda: {"company_id": offer.company_id},
        "companies.offer": lambda: {"offer_id": offer.id},
        "matching.offer_recommendations": lambda: {"offer_id": offer.id},
        "matching.candidate_recommendations": lambda: {"candidate_id": active.id},
        "activities.show": lambda: {"activity_id": _first(db, sa.select(Activity.id))},
    }


def _pages(app: Any, db: Any, role: str, me: Optional[User]) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) of every GET page of the app the role may open, with its arguments made."""
    demo = _demo_objects(db, me)
    make = Factory(db)
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            route = EXPECTED.get(rule.endpoint)
            if (
                "GET" not in (rule.methods or ()) or route is None or route.method != "GET"
                or role not in route.allowed or rule.endpoint == "static" or rule.rule.startswith("/api")
            ):
                continue
            arguments = route.args(make, me) if route.args else {}
            db.commit()
            yield rule.endpoint, url_for(rule.endpoint, **arguments)
            if rule.endpoint in demo:
                yield rule.endpoint, url_for(rule.endpoint, **{**arguments, **demo[rule.endpoint]()})


@pytest.fixture
def demo(db: Any, vault: Any) -> DataText:
    seed_demo(db, vault, n_candidates=40, n_companies=12, seed=23)
    db.commit()
    data = DataText(db)
    data.refresh()
    return data


@pytest.mark.parametrize("role", [ANONYMOUS, PL, WO, EMPLOYER, STEERING, ADMIN])
def test_every_page_of_each_role_reads_english(app, client, db, vault, demo, role) -> None:
    me = _demo_user(db, role)
    if me is not None:
        log_in(client, me, enrol_totp(db, me, vault) if role == ADMIN else None, password=DEMO_PASSWORD)
    client.post("/language", data={"locale": "en", "next": "/"})

    problems: list[str] = []
    shown = 0
    for endpoint, url in _pages(app, db, role, me):
        response = client.get(url)
        if response.status_code >= 400:
            problems.append(f"{url} ({endpoint}): {response.status_code}")
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        shown += 1
        assert '<html lang="en"' in page, url
        leaks = page_leaks(page, demo)
        if leaks:
            demo.refresh()  # the access matrix's objects were made after the last reading
            leaks = page_leaks(page, demo)
        problems.extend(f"{url} ({endpoint}): {leak}" for leak in leaks)
    assert shown >= (3 if role == ANONYMOUS else 5)
    assert problems == [], "\n".join(problems)


def test_the_check_finds_swedish_and_lets_names_and_the_way_back_through(db) -> None:
    data = DataText(db, phrases=["Åsa Öberg", "Hotell och restaurang"])
    page = (
        '<html lang="en"><p>Visit by Åsa Öberg</p><td>Hotell och restaurang</td>'
        '<a lang="sv" href="/language">Svenska</a><input type="submit" value="Save">'
        '<script>var x = "för";</script><textarea>typed för</textarea></html>'
    )
    assert page_leaks(page, data) == []
    assert page_leaks('<p>Spara</p><span title="Besök kl. 10">x</span><p>Välj en dag</p>', data) == [
        "the Swedish message «Spara»", "Besök, kl. in «Besök kl. 10»", "Välj in «Välj en dag»",
    ]
    assert page_leaks("<p>Interest: Data/IT, 3 km</p><p>Lediga mån 7 dec.</p>", data) == [
        "Lediga, mån in «Lediga mån 7 dec.»",
    ]


def test_every_reason_the_matcher_gives_reads_english(app) -> None:
    """The reasons a page shows only with a trained model (a company's acceptance, earlier
    no-shows, earlier visits) and every content reason, each put through the app's translation."""
    import numpy as np
    import pandas as pd
    from flask_babel import force_locale

    from matcher import reasons
    from models.operations.matching import messages
    from web.i18n import translate

    history = pd.DataFrame({"company_accept_rate": [0.9, 0.1], "company_proposals": [5, 5],
                            "candidate_no_shows": [1, 2], "candidate_field_visits": [1, 3]})
    made = [text for _, texts, _ in reasons._history_reasons(history, 0.5) for text in texts]
    made += [*reasons._DAY_TEXTS, *reasons._INTEREST_YES, *reasons._INTEREST_NO, *np.ravel(reasons._SWEDISH),
             reasons._UNKNOWN_DISTANCE, reasons._ACCESSIBLE, reasons._NOT_ACCESSIBLE, reasons._hours_text(12.0),
             reasons._language_text("ar"), reasons._distance_text(3.2)]
    with app.test_request_context(), force_locale("en"):
        shown = [translate(message) for message in messages(made)]
    assert len(shown) > 150
    assert [text for text in shown if swedish_words(text)] == []
