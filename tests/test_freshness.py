"""Every reader sees the last committed data: a change committed by another client of the
database (another worker, a script, psql) shows at once on the start page's panels, the
candidate bank, the visit list and the steering dashboard, for each user in their language."""

from __future__ import annotations

from models.enums import ReferralStatus, Role, VisitStatus

WAITING = "Remisser att ta ställning till"


def test_a_panel_shows_a_committed_change_at_once(client, auth, make, db) -> None:
    leader = auth.login(Role.PROJECT_LEADER)
    assert f"{WAITING} (0)" in client.get("/").get_data(as_text=True)

    # Another client of the database (an officer's request, say) commits a new referral.
    candidate = make.candidate(status=ReferralStatus.SUBMITTED, first_name="Nadia", last_name="Panelsdottir")
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert f"{WAITING} (1)" in start and "Nadia Panelsdottir" in start

    candidate.first_name = "Nadja"  # a change to a person shown in a panel
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert "Nadja Panelsdottir" in start and "Nadia Panelsdottir" not in start
    assert leader.role == Role.PROJECT_LEADER


def test_each_user_sees_their_own_panels(client, auth, make, db) -> None:
    first, second = make.user(Role.WELFARE_OFFICER), make.user(Role.WELFARE_OFFICER)
    make.candidate(referred_by=first, status=ReferralStatus.RETURNED, first_name="Omar", last_name="Förstesson")
    make.candidate(referred_by=second, status=ReferralStatus.RETURNED, first_name="Sara", last_name="Andrasson")
    db.commit()
    auth.login(first)
    page = client.get("/").get_data(as_text=True)
    assert "Omar Förstesson" in page and "Sara Andrasson" not in page
    auth.logout()
    auth.login(second)
    page = client.get("/").get_data(as_text=True)
    assert "Sara Andrasson" in page and "Omar Förstesson" not in page


def test_each_language_has_its_own_panels(client, auth) -> None:
    auth.login(Role.PROJECT_LEADER)
    assert WAITING in client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    page = client.get("/").get_data(as_text=True)
    assert WAITING not in page and "Referrals to decide on" in page


def test_the_candidate_bank_shows_a_new_candidate_at_once(client, auth, make, db) -> None:
    auth.login(Role.PROJECT_LEADER)
    make.candidate(first_name="Ali", last_name="Förstsson")
    db.commit()
    page = client.get("/kandidater/?interests=hospitality").get_data(as_text=True)
    assert "Förstsson, Ali" in page and "1 kandidat" in page
    make.candidate(first_name="Bea", last_name="Andrasson")
    db.commit()
    page = client.get("/kandidater/?interests=hospitality").get_data(as_text=True)
    assert "Andrasson, Bea" in page and "2 kandidater" in page
    assert "Andrasson, Bea" not in client.get("/kandidater/?interests=transport").get_data(as_text=True)


def test_the_visit_list_shows_a_new_status_at_once(client, auth, make, db) -> None:
    auth.login(Role.PROJECT_LEADER)
    visit = make.visit(status=VisitStatus.PROPOSED)
    db.commit()
    assert '<span class="badge warn">Föreslaget</span>' in client.get("/besok").get_data(as_text=True)
    visit.status = VisitStatus.DECLINED
    db.commit()
    page = client.get("/besok").get_data(as_text=True)
    assert '<span class="badge err">Nekat av företaget</span>' in page and '<span class="badge warn">' not in page


def test_the_dashboard_shows_a_renamed_programme_at_once(client, auth, make, db) -> None:
    programme = make.programme(name="Jobbskuggning norr")
    db.commit()
    auth.login(Role.STEERING)
    assert "Jobbskuggning norr" in client.get("/uppfoljning/").get_data(as_text=True)
    programme.name = "Jobbskuggning söder"
    db.commit()
    page = client.get("/uppfoljning/").get_data(as_text=True)
    assert "Jobbskuggning söder" in page and "Jobbskuggning norr" not in page
