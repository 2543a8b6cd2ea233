"""The learning loop: training from the database, the activation rule (a new model is used only
when it ranks the latest quarter at least as well as the active one, or with --force), the model
registry, and what the pages do when the active model's file is missing, damaged or incompatible."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from matcher import Ranker, save_model
from matcher.persistence import MAGIC
from models import RankerModel
from models.enums import Role, VisitStatus
from models.operations import matching as ops
from models.operations import ranker_registry as registry

from .factories import local_dt

SAVED_AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)

NO_MODEL = "Ingen tränad modell är aktiv – förslagen bygger på innehållsmatchning"
HERE, FAR = (56.05, 12.70), (56.25, 12.70)  # the workplace, and 22 km north of it
QUARTERS = (dt.date(2025, 2, 3), dt.date(2025, 5, 5))  # proposals in 2025 Q1 and Q2 (the test quarter)


@pytest.fixture(autouse=True)
def _fresh_model_cache(app, monkeypatch, tmp_path):
    """No loaded model outlives the test."""
    monkeypatch.setitem(app.config, "MODEL_DIR", str(tmp_path / "models"))
    yield
    app.extensions.pop("ranker_cache", None)


@pytest.fixture
def far_is_better(make, db):
    """Three offers whose employers, against the content score's liking for short trips, say yes
    to candidates from far away and no to those nearby: two of each per offer and quarter."""
    offers = [make.offer(make.company(lat=HERE[0], lon=HERE[1])) for _ in range(3)]
    for day in QUARTERS:
        for offer in offers:
            for place, status in ((HERE, VisitStatus.DECLINED), (HERE, VisitStatus.DECLINED),
                                  (FAR, VisitStatus.COMPLETED), (FAR, VisitStatus.COMPLETED)):
                candidate = make.candidate(lat=place[0], lon=place[1])
                make.visit(candidate, offer, day=day, status=status, created_at=local_dt(day - dt.timedelta(days=7), 9),
                           actual_hours=6 if status == VisitStatus.COMPLETED else None)
    db.commit()
    return offers


def _active(db) -> RankerModel | None:
    db.expire_all()
    return db.scalar(sa.select(RankerModel).where(RankerModel.active.is_(True)))


def _register(db, model_dir, ranker: Ranker, name: str = "aktiv.joblib") -> RankerModel:
    model_dir.mkdir(parents=True, exist_ok=True)
    save_model(ranker, model_dir / name, saved_at=SAVED_AT)
    row = RankerModel(path=name, snapshot_id="test", n_history=0, metrics={})
    db.add(row)
    db.flush()
    registry.activate_model(db, row)
    db.commit()
    return row


def _learned_on_everything(db) -> Ranker:
    """A model that has seen the test quarter and learns fast: it knows far is better."""
    candidates, offers, history = ops.training_frames(db)
    return Ranker(min_outcomes=5, blend_full_at=10).fit(candidates, offers, history)


def test_first_model_is_activated_and_registered(app, db, far_is_better, tmp_path) -> None:
    row = registry.train_and_maybe_activate(db, tmp_path / "models")
    db.commit()
    assert row is not None and row.active and row.activated_at is not None
    assert row.metrics["reason"] == "no_usable_active_model"
    assert row.n_history == 24
    assert (tmp_path / "models" / row.path).is_file()
    assert row.metrics["evaluation"]["split"]["test_quarter"] == "2025Q2"
    assert set(row.metrics["evaluation"]["ndcg"]["ndcg@5"]) == {"learned", "content", "popularity", "random"}


def test_a_model_not_worse_than_the_active_one_is_activated(db, far_is_better, tmp_path) -> None:
    old = _register(db, tmp_path / "models", Ranker())  # scores like the content score
    new = registry.train_and_maybe_activate(db, tmp_path / "models")
    db.commit()
    assert new.metrics["reason"] == "not_worse"
    assert new.metrics["new_ndcg"] == pytest.approx(new.metrics["active_ndcg"])
    assert _active(db).id == new.id and old.id != new.id


def test_a_worse_model_is_kept_out_and_force_puts_it_in(db, far_is_better, tmp_path) -> None:
    old = _register(db, tmp_path / "models", _learned_on_everything(db))
    kept = registry.train_and_maybe_activate(db, tmp_path / "models")
    db.commit()
    assert kept.metrics["reason"] == "worse" and not kept.active
    assert kept.metrics["new_ndcg"] < kept.metrics["active_ndcg"]
    assert _active(db).id == old.id

    forced = registry.train_and_maybe_activate(db, tmp_path / "models", force=True)
    db.commit()
    assert forced.metrics["reason"] == "forced"
    assert _active(db).id == forced.id
    assert db.scalar(sa.select(sa.func.count()).where(RankerModel.active.is_(True))) == 1


def test_without_history_nothing_is_trained(db, make, tmp_path) -> None:
    make.candidate()
    db.commit()
    assert registry.train_and_maybe_activate(db, tmp_path / "models") is None
    assert db.scalar(sa.select(sa.func.count()).select_from(RankerModel)) == 0


def test_history_of_one_quarter_keeps_the_active_model(db, make, tmp_path) -> None:
    offer = make.offer()
    for status in (VisitStatus.DECLINED, VisitStatus.COMPLETED):
        make.visit(offer=offer, day=QUARTERS[0], status=status, created_at=local_dt(QUARTERS[0], 9))
    db.commit()
    old = _register(db, tmp_path / "models", Ranker())
    new = registry.train_and_maybe_activate(db, tmp_path / "models")
    db.commit()
    assert new.metrics["reason"] == "not_evaluated" and new.metrics["evaluation_error"]
    assert _active(db).id == old.id


def test_train_ranker_command_shows_progress_and_activates(runner, db, far_is_better, tmp_path) -> None:
    result = runner.invoke(args=["train-ranker"])
    assert result.exit_code == 0, result.output
    assert "Hämtar kandidater" in result.output and "24 förslag" in result.output
    assert "är nu aktiv" in result.output
    assert _active(db) is not None

    again = runner.invoke(args=["train-ranker", "--force"])
    assert again.exit_code == 0, again.output
    assert "med --force" in again.output
    assert db.scalar(sa.select(sa.func.count()).select_from(RankerModel)) == 2


def test_the_app_moves_to_a_new_active_model_without_restart(app, db, make, tmp_path) -> None:
    offer = make.offer()
    make.candidate()
    db.commit()
    with app.test_request_context():
        from web.matching import service

        assert service.active_model().model_id is None
        row = _register(db, tmp_path / "models", Ranker())
        assert service.active_model().model_id == row.id
        assert service.recommend_for_offer(offer).model_id == row.id


def test_a_newly_activated_model_is_used_at_once_and_loaded_once(db, tmp_path) -> None:
    cache = registry.ActiveModelCache()
    assert cache.get(db, tmp_path).model_id is None
    first = _register(db, tmp_path, Ranker(), name="forsta.joblib")  # committed by another process, say
    model = cache.get(db, tmp_path)
    assert model.model_id == first.id
    assert cache.get(db, tmp_path) is model  # the same object: the file is not loaded again

    second = _register(db, tmp_path, Ranker(), name="andra.joblib")
    assert cache.get(db, tmp_path).model_id == second.id

    registry.activate_model(db, db.get(RankerModel, first.id))  # an activation that is rolled back
    assert cache.get(db, tmp_path).model_id == first.id  # its own transaction sees it ...
    db.rollback()
    assert cache.get(db, tmp_path).model_id == second.id  # ... and after the rollback nobody does

    db.get(RankerModel, second.id).active = False
    db.commit()
    assert cache.get(db, tmp_path).model_id is None


# --- fallbacks: the pages say so and rank by content --------------------------------------------------
def _damage(path) -> None:
    path.write_bytes(b"not a model at all")


def _from_other_versions(path) -> None:
    data = path.read_bytes()
    size = int.from_bytes(data[len(MAGIC): len(MAGIC) + 8], "big")
    header = json.loads(data[len(MAGIC) + 8: len(MAGIC) + 8 + size])
    header["library_versions"]["scikit-learn"] = "0.1"
    new_header = json.dumps(header).encode()
    path.write_bytes(MAGIC + len(new_header).to_bytes(8, "big") + new_header + data[len(MAGIC) + 8 + size:])


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (None, NO_MODEL),
        ("missing", "saknas – förslagen bygger på innehållsmatchning"),
        (_damage, "är skadad – förslagen bygger på innehållsmatchning"),
        (_from_other_versions, "andra programversioner – förslagen bygger på innehållsmatchning"),
    ],
)
def test_offer_page_falls_back_to_content_score_and_says_why(app, client, auth, db, make, tmp_path, spoil,
                                                             says) -> None:
    offer = make.offer(field="it")
    make.candidate(first_name="Passar", interests=["it"])
    make.candidate(first_name="Annat", interests=["transport"])
    db.commit()
    if spoil is not None:
        row = _register(db, tmp_path / "models", Ranker())
        path = tmp_path / "models" / row.path
        path.unlink() if spoil == "missing" else spoil(path)
    auth.login(Role.PROJECT_LEADER)
    for url in (f"/foretag/erbjudanden/{offer.id}", f"/matchning/erbjudanden/{offer.id}/rekommendationer"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert says in page
        assert page.index("Passar") < page.index("Annat")  # ranked by the content score
    models_page = client.get("/matchning/modeller").get_data(as_text=True)
    assert says in models_page
