"""A new model proves itself in use (issue #24 §3): a challenger registered beside the active
model, lists shown team-draft interleaved for the duel's share of lists, a booking from such a
list crediting the model that placed the booked row (in the booking's own transaction), the
challenger promoted or the duel abandoned by the rule, the duel page and the command line."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from matcher import Ranker, save_model
from matcher.interleaving import list_draw
from models import Exposure, RankerDuel, RankerModel, clock
from models.enums import DuelState, Role
from models.operations import ranker_duel
from models.operations import visits as visit_ops
from models.operations.errors import DomainError
from models.operations.visits import swedish_holiday

from .test_matching_registry import (  # noqa: F401 (fixtures)
    SAVED_AT,
    _fresh_model_cache,
    _learned_on_everything,
    _register,
    far_is_better,
)

pytest_plugins = ("tests.test_api_support",)


@pytest.fixture(autouse=True)
def _no_challenger_left(app):
    yield
    app.extensions.pop("challenger_cache", None)


@pytest.fixture
def models(app, db, far_is_better):  # noqa: F811
    """The content score registered and active, and a learned challenger that, unlike it,
    prefers candidates from far away (the employers of `far_is_better` do)."""
    from pathlib import Path

    model_dir = Path(app.config["MODEL_DIR"])
    active = _register(db, model_dir, Ranker(), "aktiv.joblib")
    save_model(_learned_on_everything(db), model_dir / "utmanare.joblib", saved_at=SAVED_AT)
    challenger = RankerModel(path="utmanare.joblib", snapshot_id="test", n_history=24, metrics={})
    db.add(challenger)
    db.commit()
    return active, challenger, far_is_better


def _start(db, challenger, **kw) -> RankerDuel:
    duel = ranker_duel.start_duel(db, challenger, **kw)
    db.commit()
    return duel


def _exposures(db) -> list[Exposure]:
    db.expire_all()
    return list(db.scalars(sa.select(Exposure).order_by(Exposure.id)))


def _duel(db, duel_id: int) -> RankerDuel:
    db.expire_all()
    return db.get(RankerDuel, duel_id)


def _monday(days_ahead: int = 21) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=days_ahead)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while swedish_holiday(day):
        day += dt.timedelta(days=7)
    return day


def _book(db, exposure: Exposure, row: int, user) -> None:
    """Propose the pair of the list's row `row` from the list, as the booking form does."""
    from models import Candidate, Offer

    offer, candidate = db.get(Offer, exposure.context_id), db.get(Candidate, int(exposure.ranked[row][0]))
    start = clock.local_datetime(_monday(), dt.time(9))
    visit_ops.book_visit(db, offer, candidate, start, start + dt.timedelta(hours=6), by=user, from_list=exposure.id)
    db.commit()


def test_a_duel_interleaves_the_lists_shown_and_logs_which_model_placed_each_row(client, auth, db, models) -> None:
    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0)
    leader = auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/matchning/erbjudanden/{offers[0].id}/rekommendationer").get_data(as_text=True)

    [exposure] = _exposures(db)
    assert exposure.duel_id == duel.id and exposure.model_id == active.id and exposure.user_id == leader.id
    assert len(exposure.teams) == len(exposure.ranked) == 20
    assert set(exposure.teams) == {active.id, challenger.id}
    for end in range(1, len(exposure.teams) + 1):  # each model placed as many rows, give or take one
        assert abs(exposure.teams[:end].count(active.id) - exposure.teams[:end].count(challenger.id)) <= 1
    # Each row is where its model put it, with that model's score: what the two models rank alone.
    from models import Offer
    from models.operations import matching as ops
    from web.matching import service

    with client.application.test_request_context():
        own = {}
        for row in (active, challenger):
            model = service.ActiveModelCache().get_row(db, client.application.config["MODEL_DIR"], row.id, row.path)
            own[row.id] = {i.id: i.score for i in ops.recommend_for_offer(db, db.get(Offer, offers[0].id),
                                                                       model=model).items}
    assert own[active.id] != own[challenger.id], "the two models rank differently"
    for (item, score), team in zip(exposure.ranked, exposure.teams, strict=True):
        assert item in own[team] and score == pytest.approx(own[team][item], abs=1e-4)
    ids = [item for item, _score in exposure.ranked]
    assert len(set(ids)) == len(ids)
    # Users see one ordinary list: nothing on the page names a model or a team.
    assert "utmanare" not in page.lower() and f"nr {challenger.id}" not in page.lower()

    client.get(f"/matchning/erbjudanden/{offers[0].id}/rekommendationer")
    again = _exposures(db)[-1]
    assert (again.ranked, again.teams) == (exposure.ranked, exposure.teams), "the same list looks the same"


def test_the_share_of_lists_interleaved_is_the_duel_s(client, auth, db, models) -> None:
    _active, challenger, offers = models
    duel = _start(db, challenger, share=0.5)
    draw = ranker_duel.running_draw(db)
    subjects = [("offer-list", n, 7, (), None, clock.local_today()) for n in range(3000)]
    share = sum(ranker_duel.draw(draw, s) is not None for s in subjects) / len(subjects)
    assert abs(share - 0.5) < 0.03
    # In the app: the lists of offers whose draw says so are interleaved, the others are not.
    leader = auth.login(Role.PROJECT_LEADER)
    for offer in offers:
        client.get(f"/foretag/erbjudanden/{offer.id}")
    for offer, exposure in zip(offers, _exposures(db), strict=True):
        key = ("offer-list", offer.id, leader.id, ("", "", "", "", ""), None, clock.local_today())
        wanted = list_draw("|".join(map(str, (duel.id, *key))))[0] < 0.5
        assert (exposure.duel_id == duel.id) is wanted and (exposure.teams is not None) is wanted


def test_a_booking_from_an_interleaved_list_credits_the_model_that_placed_the_row(client, auth, db, models) -> None:
    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0)
    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/foretag/erbjudanden/{offers[0].id}").get_data(as_text=True)
    [exposure] = _exposures(db)
    row = exposure.teams.index(challenger.id)
    booked = int(exposure.ranked[row][0])
    link = next(html.unescape(h) for h in re.findall(r'href="(/besok/nytt[^"]*)"', page)
                if f"candidate={booked}&" in html.unescape(h))
    response = client.post(link, data={"candidate": booked, "offer": offers[0].id, "day": _monday().isoformat(),
                                       "start": "09:00", "end": "15:00"})
    assert response.status_code == 302
    [exposure] = _exposures(db)
    assert exposure.proposed_ids == [booked]
    duel = _duel(db, duel.id)
    assert (duel.wins_challenger, duel.wins_active, duel.booked_lists) == (1, 0, 1)
    assert duel.state == DuelState.RUNNING


def test_a_refused_booking_credits_nobody(db, make, models) -> None:
    from models.operations import matching as ops

    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0)
    leader = make.user(Role.PROJECT_LEADER)
    shown = ops.recommend_for_offer(db, offers[0])
    shown.duel_id, shown.teams = duel.id, [active.id] * len(shown.items)
    exposure = ops.record_exposure(db, user_id=leader.id, context="offer", context_id=offers[0].id, shown=shown)
    db.commit()
    from models import Candidate

    start = clock.local_datetime(_monday(), dt.time(9))
    visit_ops.book_visit(db, offers[0], db.get(Candidate, int(exposure.ranked[0][0])), start,
                         start + dt.timedelta(hours=6), by=leader, from_list=exposure.id)
    db.rollback()
    assert (_duel(db, duel.id).wins_active, _duel(db, duel.id).booked_lists) == (0, 0)


def test_the_challenger_is_promoted_when_it_wins_significantly(client, auth, db, models) -> None:
    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0, max_lists=300)
    thresholds = ranker_duel.rule(duel).thresholds
    wins = next(n for n in range(1, 301) if thresholds[n] <= n)  # the fewest lists that can decide
    duel.wins_challenger = wins - 1
    db.commit()
    leader = auth.login(Role.PROJECT_LEADER)
    client.get(f"/foretag/erbjudanden/{offers[0].id}")
    [exposure] = _exposures(db)
    _book(db, exposure, exposure.teams.index(challenger.id), leader)

    duel = _duel(db, duel.id)
    assert (duel.state, duel.reason, duel.wins_challenger) == (DuelState.PROMOTED, "significant", wins)
    assert duel.decided_at is not None
    assert db.get(RankerModel, challenger.id).active and not db.get(RankerModel, active.id).active
    # From the next request on, lists are ranked by the new model alone.
    client.get(f"/foretag/erbjudanden/{offers[1].id}")
    latest = _exposures(db)[-1]
    assert latest.model_id == challenger.id and latest.duel_id is None and latest.teams is None


def test_the_duel_is_abandoned_after_its_lists_and_the_active_model_stays(client, auth, db, models) -> None:
    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0, max_lists=1)
    leader = auth.login(Role.PROJECT_LEADER)
    client.get(f"/foretag/erbjudanden/{offers[0].id}")
    [exposure] = _exposures(db)
    _book(db, exposure, exposure.teams.index(challenger.id), leader)  # one win cannot be significant
    duel = _duel(db, duel.id)
    assert (duel.state, duel.reason) == (DuelState.ABANDONED, "limit")
    assert db.get(RankerModel, active.id).active and not db.get(RankerModel, challenger.id).active
    client.get(f"/foretag/erbjudanden/{offers[1].id}")
    assert _exposures(db)[-1].duel_id is None, "an abandoned duel interleaves nothing"


def test_starting_is_refused_with_a_reason(db, models) -> None:
    active, challenger, _offers = models
    with pytest.raises(DomainError, match="redan den aktiva"):
        ranker_duel.start_duel(db, active)
    with pytest.raises(DomainError, match="Andelen"):
        ranker_duel.start_duel(db, challenger, share=0)
    _start(db, challenger)
    with pytest.raises(DomainError, match="pågår redan"):
        ranker_duel.start_duel(db, challenger)


def test_activating_another_model_ends_the_duel(db, models) -> None:
    from models.operations import ranker_registry

    _active, challenger, _offers = models
    duel = _start(db, challenger)
    third = RankerModel(path="tredje.joblib", snapshot_id="x", n_history=0, metrics={})
    db.add(third)
    db.flush()
    ranker_registry.activate_model(db, third)
    db.commit()
    assert (_duel(db, duel.id).state, _duel(db, duel.id).reason) == (DuelState.ABANDONED, "replaced")


def test_the_duel_page_shows_the_score_and_forecast(client, auth, db, models) -> None:
    active, challenger, _offers = models
    duel = _start(db, challenger, share=0.5, max_lists=200)
    duel.wins_challenger, duel.wins_active, duel.booked_lists = 14, 6, 21
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    page = client.get("/matchning/duell").get_data(as_text=True)
    assert f"Duell nr {duel.id}" in page and f"Modell nr {challenger.id}" in page and f"Modell nr {active.id}" in page
    assert "Pågår" in page and "<td class=\"num\">14</td>" in page and "<td class=\"num\">6</td>" in page
    assert "Oavgjorda" in page and "<td class=\"num\">1</td>" in page
    summary = ranker_duel.summary(db, _duel(db, duel.id))
    assert f"{summary.p_value:.4f}".replace(".", ",") in page
    assert f"räknat exakt: {summary.false_promotion_rate * 100:.2f}".replace(".", ",") + " %" in page
    assert "Avsluta duellen" not in page, "only an administrator stops a duel"
    assert 'href="/matchning/duell"' in client.get("/matchning/modeller").get_data(as_text=True)
    needed = ranker_duel.rule(duel).lists_needed(0.7)
    assert re.search(rf"70 % av listorna(\s*\(som hittills\))?</th>\s*<td class=\"num\">{needed}</td>", page)

    auth.logout()
    auth.login(Role.ADMIN)
    page = client.get("/matchning/duell").get_data(as_text=True)
    assert "Avsluta duellen" in page
    response = client.post("/matchning/duell/avsluta")
    assert response.status_code == 302
    assert (_duel(db, duel.id).state, _duel(db, duel.id).reason) == (DuelState.ABANDONED, "stopped")


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.STEERING, Role.WELFARE_OFFICER])
def test_employers_and_the_steering_group_cannot_open_the_duel(client, auth, db, models, role) -> None:
    _start(db, models[1])
    auth.login(role)
    assert client.get("/matchning/duell").status_code == 403
    assert client.post("/matchning/duell/avsluta").status_code == 403
    assert _duel(db, 1).state == DuelState.RUNNING


def test_the_command_line_starts_shows_and_stops_a_duel(app, db, models) -> None:
    active, challenger, _offers = models
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ranker-duel"])
    assert result.exit_code == 0 and "Ingen duell har körts" in result.output
    result = runner.invoke(args=["ranker-duel", "--start", str(challenger.id), "--share", "0.3",
                                 "--max-lists", "150"])
    assert result.exit_code == 0, result.output
    duel = db.scalar(sa.select(RankerDuel))
    assert (duel.challenger_id, duel.active_model_id) == (challenger.id, active.id)
    assert (duel.share, duel.max_lists) == (0.3, 150)
    assert "Listor med bokning: 0" in result.output and "Läge: Pågår" in result.output
    assert f"{ranker_duel.rule(duel).lists_needed(0.7)}" in result.output
    result = runner.invoke(args=["ranker-duel", "--start", str(challenger.id)])
    assert result.exit_code != 0 and "pågår redan" in result.output
    result = runner.invoke(args=["ranker-duel", "--start", "9999"])
    assert result.exit_code != 0 and "ingen modell nr 9999" in result.output
    result = runner.invoke(args=["ranker-duel", "--stop"])
    assert result.exit_code == 0 and "avslutad" in result.output
    assert _duel(db, duel.id).state == DuelState.ABANDONED


def test_train_ranker_challenger_registers_the_model_and_starts_a_duel(app, db, models) -> None:
    active, _challenger, _offers = models
    result = app.test_cli_runner().invoke(args=["train-ranker", "--challenger"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    new = db.scalar(sa.select(RankerModel).order_by(RankerModel.id.desc()).limit(1))
    assert not new.active and db.get(RankerModel, active.id).active
    assert new.metrics["reason"] == "challenger"
    duel = db.scalar(sa.select(RankerDuel))
    assert (duel.challenger_id, duel.active_model_id, duel.state) == (new.id, active.id, DuelState.RUNNING)


def test_the_duel_page_reads_english(client, auth, db, models) -> None:
    from .test_english_pages import SWEDISH_MESSAGES, shown_texts

    _active, challenger, _offers = models
    duel = _start(db, challenger, share=0.5)
    duel.wins_challenger, duel.wins_active, duel.booked_lists = 12, 3, 15
    db.commit()
    leader = auth.login(Role.PROJECT_LEADER)
    leader.locale = "en"
    db.commit()
    page = client.get("/matchning/duell").get_data(as_text=True)
    assert "Model duel" in page and "Lists won by the challenger" in page and "How many lists are needed?" in page
    assert [t for t in shown_texts(page) if t in SWEDISH_MESSAGES] == []


def test_the_api_lists_take_part_in_the_duel(api, tokens, db, models) -> None:
    active, challenger, offers = models
    duel = _start(db, challenger, share=1.0)
    _leader, headers = tokens.headers("project_leader")
    body = api.get(f"/api/v1/offers/{offers[0].id}/recommendations?limit=10", headers=headers).get_json()
    exposure = db.get(Exposure, body["exposure_id"])
    assert exposure.duel_id == duel.id and set(exposure.teams) == {active.id, challenger.id}
    assert [i["candidate_id"] for i in body["items"]] == [entry[0] for entry in exposure.ranked]
    assert body["model_id"] == active.id and "teams" not in body
