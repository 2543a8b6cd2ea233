"""Extensions, created unbound here and bound to an app in create_app()."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import make_engine
from models.identity import PinVault


@dataclass
class _DatabaseState:
    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """One engine per app; one session per app context, closed (rolled back) at teardown."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["database"] = _DatabaseState(
            engine=engine, factory=sessionmaker(bind=engine)
        )
        app.teardown_appcontext(self._close)

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["database"].engine

    @property
    def session(self) -> Session:
        if "_db_session" not in g:
            g._db_session = current_app.extensions["database"].factory()
        return g._db_session


def pin_vault() -> PinVault:
    return current_app.extensions["pin_vault"]


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
