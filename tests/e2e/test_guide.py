"""The user guides: one per role in Swedish and English, reachable from the help page, showing
the journey's screenshots (which must exist), and nothing else served from the guide folder."""

from __future__ import annotations

import re

import pytest

from web.main.views import ROLE_GUIDES

from .conftest import GUIDE_SCREENSHOTS, LiveServer, Pages, expect, guide_pictures

pytestmark = pytest.mark.browser
GUIDES = GUIDE_SCREENSHOTS.parent


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_role_has_a_guide_whose_pictures_exist(lang: str) -> None:
    for role in ROLE_GUIDES:
        text = (GUIDES / lang / f"{role}.md").read_text(encoding="utf-8")
        assert text.startswith("# "), f"{lang}/{role}.md must start with its one top heading"
        pictures = re.findall(r"!\[([^\]]*)\]\(\.\./screenshots/([\w.-]+\.png)\)", text)
        assert pictures, f"{lang}/{role}.md shows no screenshot"
        for alt, name in pictures:
            assert alt.strip(), f"{lang}/{role}.md: {name} needs a text alternative"
            assert (GUIDE_SCREENSHOTS / name).is_file(), f"{name} missing: run tests/e2e, UPDATE_GUIDE_SCREENSHOTS=1"
    assert guide_pictures() <= {p.name for p in GUIDE_SCREENSHOTS.glob("*.png")}


def test_help_page_leads_to_each_guide_with_its_pictures(pages: Pages, live: LiveServer) -> None:
    page = pages.new()
    page.goto("/")  # logged out: the login page, whose footer has the help link
    page.get_by_role("contentinfo").get_by_role("link", name="Hjälp").click()
    for role_name, heading in ((r"^Svenska\W+Projektledare$", "Användarguide för projektledare"),
                               (r"^English\W+Kontaktperson på företag$", "User guide for companies")):
        page.get_by_role("link", name=re.compile(role_name)).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.wait_for_load_state()  # the pictures too
        images = page.locator("article img")
        assert images.count() >= 3
        for image in images.all():
            expect(image).to_have_attribute("alt", re.compile(r"\S"))
            assert image.evaluate("img => img.complete && img.naturalWidth > 0"), image.get_attribute("src")
        page.get_by_role("link", name="Alla användarguider").click()
    english = page.goto("/hjalp/en/steering")
    assert english.status == 200 and page.locator("article").get_attribute("lang") == "en"


@pytest.mark.parametrize("path", [
    "/hjalp/sv/nobody", "/hjalp/fr/employer", "/hjalp/screenshots/missing.png", "/hjalp/screenshots/README.md",
    "/hjalp/sv/..%2F..%2FREADME", "/hjalp/screenshots/..%2Fsv%2Fadmin.md",
])
def test_the_guide_route_serves_nothing_else(path: str, pages: Pages) -> None:
    page = pages.new()
    assert page.request.get(path).status == 404
