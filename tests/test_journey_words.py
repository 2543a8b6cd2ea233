"""Words a new user stumbled on (issue #23, items 7 and 11): English that says what the Swedish
means, and pages that send a project leader where the work is rather than to a 403."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from models import Visit
from models.enums import ReferralStatus, Role

from .test_employer import make_proposal


def _english(client) -> None:
    client.post("/language", data={"locale": "en", "next": "/"})


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_history_and_consent_columns_read_as_english_says_them(client, auth, make, db, vault) -> None:
    proposal = make_proposal(make, db, vault)
    auth.login(proposal.project_leader)
    _english(client)
    page = client.get(f"/kandidater/{proposal.candidate.id}").get_data(as_text=True)
    assert '<th scope="col">By</th>' in page and '<th scope="col">Off</th>' not in page
    assert '<th scope="col">Status</th>' in page and "In force" in page and "Applies to" not in page
    visit_page = client.get(f"/besok/{proposal.visit.id}").get_data(as_text=True)
    assert '<th scope="col">By</th>' in visit_page


def test_the_employer_s_lists_give_times_without_swedish_kl(client, auth, make, db, vault) -> None:
    proposal = make_proposal(make, db, vault)
    auth.login(proposal.employer)
    swedish = _text(client.get("/foretaget/besok"))
    assert re.search(r", kl\. \d\d:\d\d–\d\d:\d\d", swedish)
    _english(client)
    english = _text(client.get("/foretaget/besok"))
    assert re.search(r", \d\d:\d\d–\d\d:\d\d", english) and " kl. " not in english


def test_the_help_page_names_each_guide_once_with_its_language(client) -> None:
    _english(client)
    page = client.get("/hjalp").get_data(as_text=True)
    assert "(English)" not in page
    assert page.count('hreflang="en"') == page.count('hreflang="sv"') >= 5
    assert '<span lang="sv">Svenska</span><span class="visually-hidden">: Project leader</span>' in page


def test_a_project_leader_asking_for_the_officers_referral_list_is_sent_to_the_referrals_to_decide(
    client, auth
) -> None:
    auth.login(Role.PROJECT_LEADER)
    response = client.get("/kandidater/remisser")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kandidater/?status={ReferralStatus.SUBMITTED.value}")


def test_the_403_page_tells_a_project_leader_to_ask_the_administrator(client, auth) -> None:
    auth.login(Role.PROJECT_LEADER)
    page = client.get("/admin/konton").get_data(as_text=True)
    assert "kontakta administratören" in page and "kontakta projektledaren" not in page
    auth.logout()
    auth.login(Role.STEERING)
    assert "kontakta projektledaren" in client.get("/kandidater/").get_data(as_text=True)


def test_behind_the_target_reads_as_behind(client, auth, make, db) -> None:
    make.programme()  # 2025–2027, 350 persons, nobody counted yet: behind wherever the clock stands
    db.commit()
    auth.login(Role.STEERING)
    page = client.get("/uppfoljning/").get_data(as_text=True)
    assert "Ligger efter: målet hittills är" in page and "Efter: målet" not in page.replace("Ligger efter", "")
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
