"""Busy employers answer on their phones and participants fill in questionnaires on theirs: the
employer pages and the questionnaire pages fit a 390 px wide screen (no sideways scrolling of
the page) and stay free of serious accessibility problems there."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import EMPLOYER, PHONE, LiveServer, Pages, Scene, expect, screenshot, serious_violations

pytestmark = pytest.mark.browser


def check_fits(page: Any, name: str) -> list[str]:
    """Screenshot the page as a phone shows it; what does not fit or fails axe, as lines."""
    screenshot(page, f"mobile-{name}")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    problems = [f"{name}: the page is {widths[0]} px wide on a {widths[1]} px screen"] if widths[0] > widths[1] else []
    return problems + [f"{name}: {v}" for v in serious_violations(page)]


def test_employer_pages_fit_a_phone(pages: Pages, scene: Scene) -> None:
    page = pages.as_user(EMPLOYER, viewport=PHONE)
    problems = []
    for name, path in (
        ("employer-portal", "/foretaget"),
        ("employer-offers", "/foretaget/erbjudanden"),
        ("employer-new-offer", "/foretaget/erbjudanden/nytt"),
        ("employer-visits", "/foretaget/besok"),
        ("employer-proposed-visit", f"/foretaget/besok/{scene.proposed_visit_id}"),
        ("employer-completed-visit", f"/foretaget/besok/{scene.completed_visit_id}"),
        ("employer-feedback-form", f"/besok/{scene.completed_visit_id}/aterkoppling"),
    ):
        assert page.goto(path).status == 200, path
        problems += check_fits(page, name)
    assert not problems, "\n".join(problems)


def test_emailed_answer_link_fits_a_phone(pages: Pages, scene: Scene) -> None:
    page = pages.new(viewport=PHONE)
    assert page.goto(scene.answer_link).status == 200
    expect(page.get_by_role("button", name="Ja, vi tar emot besökaren")).to_be_visible()
    assert not check_fits(page, "employer-answer-link")


def test_participant_answers_the_questionnaire_on_a_phone(pages: Pages, live: LiveServer, scene: Scene) -> None:
    page = pages.new(viewport=PHONE)
    page.goto(scene.phone_survey_link)
    problems = check_fits(page, "questionnaire-page-1")
    page.get_by_role("link", name="Lättläst svenska").click()
    problems += check_fits(page, "questionnaire-easy-swedish")
    number = 1
    while True:
        for group in page.locator("form fieldset").all():
            group.get_by_role("radio").first.check()
        for text in page.locator("form textarea").all():
            text.fill("Jag vill lära mig mer om yrket.")
        finish = page.get_by_role("button", name="Skicka in svaren")
        if finish.count():
            finish.click()
            break
        page.get_by_role("button", name="Spara och fortsätt").click()
        number += 1
        expect(page.get_by_text(f"Sida {number} av")).to_be_visible()
        assert number < 10, "the questionnaire never reached its last page"
        problems += check_fits(page, f"questionnaire-page-{number}")
    expect(page.locator("main")).to_contain_text("Tack")
    problems += check_fits(page, "questionnaire-thanks")
    assert not problems, "\n".join(problems)


def test_company_questionnaire_fits_a_phone(pages: Pages, scene: Scene) -> None:
    page = pages.new(viewport=PHONE)
    assert page.goto(scene.company_survey_link).status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Enkät till företaget")
    assert not check_fits(page, "company-questionnaire")


def test_colleagues_answer_the_employee_questionnaire_on_a_phone(pages: Pages, scene: Scene) -> None:
    """The link the supervisor forwards: three questions, anonymous, one page, at 390 px."""
    page = pages.new(viewport=PHONE)
    assert page.goto(scene.employee_survey_link).status == 200
    problems = check_fits(page, "employee-questionnaire")
    page.get_by_role("link", name="Lättläst svenska").click()
    problems += check_fits(page, "employee-questionnaire-easy-swedish")
    for group in page.locator("form fieldset").all():
        group.get_by_role("radio").last.check()
    page.get_by_role("button", name="Skicka in svaren").click()
    expect(page.locator("main")).to_contain_text("räknas för hela arbetsplatsen")
    problems += check_fits(page, "employee-questionnaire-thanks")
    assert not problems, "\n".join(problems)


def test_supervisor_fills_the_feedback_template_by_link_on_a_phone(pages: Pages, scene: Scene) -> None:
    page = pages.new(viewport=PHONE)
    assert page.goto(scene.feedback_link).status == 200
    problems = check_fits(page, "feedback-by-link")
    for group in page.locator("form fieldset").all():
        group.get_by_role("radio").first.check()
    page.get_by_role("button", name="Spara återkopplingen").click()
    expect(page.locator("main h1")).to_have_text("Tack för återkopplingen!")
    problems += check_fits(page, "feedback-by-link-thanks")
    assert not problems, "\n".join(problems)


def test_activity_questionnaire_fits_a_phone(pages: Pages, scene: Scene) -> None:
    page = pages.new(viewport=PHONE)
    assert page.goto(scene.activity_survey_link).status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Hur ser du på arbetslivet?")
    assert not check_fits(page, "activity-questionnaire")


def test_employer_visit_list_shows_status_and_feedback_on_a_phone(pages: Pages, scene: Scene) -> None:
    """#23: at 390 px the visit table hid Status and Återkoppling in a sideways scroll that a
    keyboard cannot reach; each visit is a card there, every cell in view and named."""
    page = pages.as_user(EMPLOYER, viewport=PHONE)
    for path in ("/foretaget/besok", "/foretaget"):
        assert page.goto(path).status == 200, path
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"], path
        tables = page.locator("main table").all()
        assert tables, path
        for table in tables:
            headings = [h.strip() for h in table.locator("thead th").all_text_contents()]
            columns = {label: headings.index(label) for label in ("Status", "Återkoppling") if label in headings}
            assert "Status" in columns, (path, headings)
            for row in table.locator("tbody tr").all():
                for label, index in columns.items():
                    cell = row.locator(":scope > th, :scope > td").nth(index)
                    expect(cell).to_be_visible()
                    box = cell.bounding_box()
                    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, label, box)
                    # the column's name is shown with the value, and the header association is kept
                    assert cell.evaluate("c => getComputedStyle(c, '::before').content").startswith(f'"{label}')
                    assert cell.get_attribute("role") == "cell"
    assert page.goto("/foretaget/besok").status == 200
    expect(page.locator('main [data-label="Återkoppling"] a').first).to_be_visible()  # the completed visit's
