"""WCAG 2.1 AA in a real browser: axe-core finds no serious or critical problem on any main page
for any role; the booking form works with the keyboard alone, with visible focus; the skip link
moves focus to the content; a failed submit ties each error message to its field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from models import clock
from models.operations.visits import is_working_day

from .conftest import (
    ADMIN,
    EMPLOYER,
    OFFICER,
    PROJECT_LEADER,
    SELECTION_PARTNER,
    STEERING,
    LiveServer,
    Pages,
    PlaywrightTimeout,
    Scene,
    expect,
    screenshot,
    serious_violations,
)

pytestmark = pytest.mark.browser

GUIDES = ("project_leader", "welfare_officer", "employer", "steering", "admin")


def _offer_page(live: LiveServer, s: Scene) -> str:
    """The offer's own page where the app has one (with recommendations), else its form."""
    if "companies.offer" in live.app.view_functions:
        return f"/foretag/erbjudanden/{s.offer_id}"
    return f"/foretag/erbjudanden/{s.offer_id}/andra"


# role → the pages that role uses, as (name, path); the name is also a screenshot's name.
PAGES: dict[str, Callable[[LiveServer, Scene], list[tuple[str, str]]]] = {
    "anonymous": lambda live, s: [
        ("login", "/login"),
        ("accessibility-statement", "/tillganglighet"),
        ("help", "/hjalp"),
        *[(f"guide-sv-{g}", f"/hjalp/sv/{g}") for g in GUIDES],
        *[(f"guide-en-{g}", f"/hjalp/en/{g}") for g in GUIDES],
        ("questionnaire", s.survey_link),
        ("questionnaire-easy-swedish", s.survey_link + "&lattlast=1" if "?" in s.survey_link
         else s.survey_link + "?lattlast=1"),
        ("employer-answer-link", s.answer_link),
        ("employee-questionnaire", s.employee_survey_link),
        ("activity-questionnaire", s.activity_survey_link),
    ],
    OFFICER: lambda live, s: [
        ("officer-start", "/"),
        ("officer-referrals", "/kandidater/remisser"),
        ("officer-referral-form", "/kandidater/remisser/ny"),
        ("officer-candidate-bank", "/kandidater/"),
        ("officer-candidate", f"/kandidater/{s.candidate_id}"),
        ("officer-import", "/kandidater/import"),
    ],
    PROJECT_LEADER: lambda live, s: [
        ("leader-start", "/"),
        ("leader-candidate-bank", "/kandidater/?status=submitted"),
        ("leader-candidate", f"/kandidater/{s.candidate_id}"),
        ("leader-candidate-edit", f"/kandidater/{s.candidate_id}/redigera"),
        ("leader-companies", "/foretag/"),
        ("leader-company", f"/foretag/{s.company_id}"),
        ("leader-offer", _offer_page(live, s)),
        ("leader-booking-form", f"/besok/nytt?offer={s.offer_id}"),
        ("leader-visits", "/besok"),
        ("leader-visit", f"/besok/{s.proposed_visit_id}"),
        ("leader-visit-completed", f"/besok/{s.completed_visit_id}"),
        ("leader-needs-action", "/besok/att-gora"),
        ("leader-calendar-week", "/kalender"),
        ("leader-calendar-month", "/kalender?view=month"),
        ("leader-activities", "/aktiviteter"),
        ("leader-activity", f"/aktiviteter/{s.activity_id}"),
        ("leader-feedback-form", f"/besok/{s.completed_visit_id}/aterkoppling"),
        ("leader-questionnaires", "/enkater/"),
        ("leader-send-questionnaires", "/enkater/skicka"),
        ("leader-capacity", "/foretag/kapacitet"),
        ("leader-dashboard", "/uppfoljning/"),
        *([("leader-quarter-plan", "/matchning/kvartalsplan")] if "matching.plan" in live.app.view_functions else []),
        *([("leader-ranker-duel", "/matchning/duell")] if "matching.duel" in live.app.view_functions else []),
    ],
    EMPLOYER: lambda live, s: [
        ("employer-start", "/"),
        ("employer-portal", "/foretaget"),
        ("employer-offers", "/foretaget/erbjudanden"),
        ("employer-new-offer", "/foretaget/erbjudanden/nytt"),
        ("employer-visits", "/foretaget/besok"),
        ("employer-proposed-visit", f"/foretaget/besok/{s.proposed_visit_id}"),
        ("employer-completed-visit", f"/foretaget/besok/{s.completed_visit_id}"),
        ("employer-feedback-form", f"/besok/{s.completed_visit_id}/aterkoppling"),
    ],
    SELECTION_PARTNER: lambda live, s: [
        ("selection-partner-start", "/"),
        ("selection-partner-list", "/urval/"),
    ],
    STEERING: lambda live, s: [
        ("steering-start", "/"),
        ("steering-dashboard", "/uppfoljning/"),
    ],
    ADMIN: lambda live, s: [
        ("admin-start", "/"),
        ("admin-accounts", "/admin/konton"),
        ("admin-account", f"/admin/konton/{s.admin_id}"),
        ("admin-new-account", "/admin/konton/nytt"),
        ("admin-audit-log", "/admin/logg"),
        ("admin-questionnaire-versions", "/admin/enkater"),
        ("admin-programmes", "/program/"),
        ("admin-programme-settings", f"/program/{s.programme_id}"),
        ("admin-dashboard", "/uppfoljning/"),
    ],
}
# Pages whose picture the user guide shows (the rest are only checked).
GUIDE_PICTURES = {
    "help", "officer-start", "leader-start", "leader-calendar-week", "employer-portal", "steering-start",
    "admin-accounts", "admin-audit-log", "admin-programme-settings", "guide-sv-project_leader", "guide-en-employer",
    "selection-partner-list",
}


@pytest.mark.parametrize("role", list(PAGES))
def test_axe_finds_no_serious_problem_on_any_main_page(role: str, pages: Pages, live: LiveServer,
                                                       scene: Scene) -> None:
    page = pages.new() if role == "anonymous" else pages.as_user(role)
    problems = []
    for name, path in PAGES[role](live, scene):
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{name}: {path} answered {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        assert page.locator("html").get_attribute("lang") in ("sv", "en")
        problems += [f"{name} ({path}): {v}" for v in serious_violations(page)]
        if name in GUIDE_PICTURES:
            screenshot(page, name)
    assert not problems, "\n".join(problems)


# --- the keyboard ---------------------------------------------------------------------------------
def _focused(page: Any) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def _focus_is_visible(page: Any) -> bool:
    """The focused element shows the focus ring (:focus-visible with a solid outline of 2px or more)."""
    try:
        page.wait_for_function(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                       return e.matches(':focus-visible') && s.outlineStyle === 'solid'
                              && parseFloat(s.outlineWidth) >= 2; }""",
            timeout=2000,
        )
    except PlaywrightTimeout:
        return False
    return True


def _typing(page: Any, kind: str, samples: list[str], expected: str) -> str:
    """How this Chromium wants a date or time typed (its format follows the browser's own
    locale, not the page's): the first of `samples` that gives `expected` in a scratch field."""
    probe = page.context.new_page()
    try:
        for keys in samples:
            probe.set_content(f'<input type="{kind}" id="probe" autofocus>')
            probe.focus("#probe")
            probe.keyboard.type(keys)
            if probe.eval_on_selector("#probe", "e => e.value") == expected:
                return keys
    finally:
        probe.close()
    raise AssertionError(f"cannot type a {kind} into this Chromium")


def _next_working_day() -> dt.date:
    day = clock.local_today() + dt.timedelta(days=10)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_booking_form_works_with_the_keyboard_alone(pages: Pages, scene: Scene) -> None:
    page = pages.as_user(PROJECT_LEADER)
    page.goto("/besok/nytt")
    day = _next_working_day()
    date_keys = _typing(page, "date", [day.strftime("%m%d%Y"), day.isoformat(), day.strftime("%d%m%Y")],
                        day.isoformat())
    start_keys = _typing(page, "time", ["0900", "0900AM"], "09:00")
    end_keys = _typing(page, "time", ["1500", "0300PM"], "15:00")
    page.bring_to_front()  # back from the scratch tab
    position = {
        name: page.locator(f"#{name} option").evaluate_all(f"(all) => all.findIndex(o => o.value === '{value}')")
        for name, value in (("candidate", scene.candidate_id), ("offer", scene.offer_id))
    }

    # The skip link comes first, is visible when focused and moves focus to the content.
    page.keyboard.press("Tab")
    assert _focused(page) == "A" and page.evaluate("document.activeElement.className") == "skip-link"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    assert _focused(page) == "main"

    order: list[str] = []
    while len(order) < 7:
        here = _focused(page)
        for _press in range(4):  # a date or time field has a stop for each of its parts
            page.keyboard.press("Tab")
            if _focused(page) != here:
                break
        order.append(_focused(page))
        assert _focus_is_visible(page), f"no visible focus on {order[-1]}"
        if order[-1] in position:
            for _step in range(position[order[-1]]):  # a closed select steps through its options
                page.keyboard.press("ArrowDown")
        elif order[-1] == "day":
            page.keyboard.type(date_keys)
        elif order[-1] == "start":
            page.keyboard.type(start_keys)
        elif order[-1] == "end":
            page.keyboard.type(end_keys)
    assert order == ["candidate", "offer", "day", "start", "end", "supervisor_name", "supervisor_email"]
    assert page.locator("#candidate").input_value() == str(scene.candidate_id)
    assert page.locator("#offer").input_value() == str(scene.offer_id)
    screenshot(page, "leader-booking-keyboard")
    page.keyboard.press("Enter")  # submits the form from the last field
    expect(page.get_by_text("Besöket är föreslaget.")).to_be_visible()
    assert "/besok/" in page.url and "/nytt" not in page.url


def test_failed_booking_ties_each_error_to_its_field(pages: Pages) -> None:
    page = pages.as_user(PROJECT_LEADER)
    page.goto("/besok/nytt")
    page.get_by_role("button", name="Föreslå besöket").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Något behöver rättas")
    for field_id, message in (("candidate", "Välj deltagare."), ("day", "Ange dag för besöket."),
                              ("start", "Ange starttid.")):
        control = page.locator(f"#{field_id}")
        expect(control).to_have_attribute("aria-invalid", "true")
        described = control.get_attribute("aria-describedby").split()
        assert f"{field_id}-error" in described
        expect(page.locator(f"#{field_id}-error")).to_have_text(message)
        expect(control).to_have_accessible_description(re.compile(re.escape(message)))
        summary.get_by_role("link", name=message).click()  # the summary's link takes focus to the field
        assert _focused(page) == field_id
    assert serious_violations(page) == []
    screenshot(page, "leader-booking-errors")
