"""The second factor: enrolment, two-step login, replay, and admins kept out until enrolled."""

from __future__ import annotations

import re
import urllib.parse

import pyotp
import sqlalchemy as sa

from models import AuditEvent, User, clock
from models.enums import Role

from .factories import PASSWORD
from .logins import enrol_totp, log_in, rate_limited_app


def _secret_from_page(html: str) -> str:
    uri = re.search(r'value="(otpauth://[^"]+)"', html).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(uri.replace("&amp;", "&")).query)
    return query["secret"][0]


def test_admin_without_second_factor_is_sent_to_enrolment_and_kept_out_of_admin_pages(client, make, db) -> None:
    admin = make.user(Role.ADMIN)
    db.commit()
    response = log_in(client, admin)
    assert response.headers["Location"].endswith("/konto/tvastegsverifiering")
    refused = client.get("/admin/konton")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/konto/tvastegsverifiering")
    assert client.get("/admin/logg").status_code == 302
    page = client.get("/konto/tvastegsverifiering")
    assert page.status_code == 200
    assert "otpauth://totp/" in page.get_data(as_text=True)


def test_enrolment_shows_the_key_as_a_qr_code_made_on_the_server(client, make, db) -> None:
    """A phone scans the code instead of typing 32 characters; the SVG is inline (no outside
    service or image request sees the key) and encodes exactly this page's otpauth address."""
    import html
    import re

    import segno

    admin = make.user(Role.ADMIN)
    db.commit()
    log_in(client, admin)
    text = client.get("/konto/tvastegsverifiering").get_data(as_text=True)
    uri = html.unescape(re.search(r'id="otpauth-uri" value="([^"]+)"', text).group(1))
    key = re.search(r"<dd><code>([A-Z2-7 ]+)</code></dd>", text).group(1).replace(" ", "")
    assert f"secret={key}" in uri and "issuer=" in uri
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    assert "<title>QR-kod med nyckeln för appen</title>" in svg and "<img" not in text.split("<main", 1)[-1]
    expected = segno.make(uri, error="m", micro=False).svg_inline(
        scale=4, border=4, title="QR-kod med nyckeln för appen", light="#fff", svgclass="qr")
    assert svg == expected


def test_enrolment_needs_a_right_code_then_opens_the_admin_area(client, make, db, vault) -> None:
    admin = make.user(Role.ADMIN)
    db.commit()
    log_in(client, admin)
    html = client.get("/konto/tvastegsverifiering").get_data(as_text=True)
    secret = _secret_from_page(html)
    # A reload shows the same secret, so a half-finished enrolment in the app still works.
    assert _secret_from_page(client.get("/konto/tvastegsverifiering").get_data(as_text=True)) == secret

    wrong = client.post("/konto/tvastegsverifiering", data={"code": "12345x"})
    assert wrong.status_code == 422
    assert "Koden stämmer inte" in wrong.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, admin.id).totp_secret is None

    done = client.post("/konto/tvastegsverifiering", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/admin/konton").status_code == 200
    db.expire_all()
    stored = db.get(User, admin.id).totp_secret
    assert stored and secret not in stored and vault.decrypt(stored) == secret
    assert db.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "totp_enrolled")) == 1


def test_login_with_second_factor_is_two_steps_and_the_half_way_state_grants_nothing(client, make, db, vault) -> None:
    admin = make.user(Role.ADMIN)
    db.commit()
    totp = enrol_totp(db, admin, vault)
    first = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/kod")
    for path in ("/", "/admin/konton", "/admin/logg", "/account/password", "/konto/tvastegsverifiering"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path

    wrong = client.post("/login/kod", data={"code": "12345x"})
    assert wrong.status_code == 401
    assert client.get("/").status_code == 302
    failed = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert [(e.target_id, e.details.get("step")) for e in failed] == [(admin.id, "code")]

    ok = client.post("/login/kod", data={"code": totp.now()})
    assert ok.status_code == 302
    assert client.get("/admin/konton").status_code == 200


def test_a_code_works_once_only(app, client, make, db, vault) -> None:
    user = make.user(Role.PROJECT_LEADER)
    db.commit()
    totp = enrol_totp(db, user, vault)
    code = totp.now()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.post("/login/kod", data={"code": code}).status_code == 302
    other = app.test_client()  # someone who saw the code over the shoulder
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.post("/login/kod", data={"code": code}).status_code == 401
    assert other.get("/").status_code == 302


def test_the_code_step_expires_after_five_minutes(client, make, db, vault) -> None:
    user = make.user(Role.STEERING)
    db.commit()
    totp = enrol_totp(db, user, vault)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as sess:
        sess["pending_login"] = {**sess["pending_login"], "at": int(clock.now().timestamp()) - 301}
    response = client.post("/login/kod", data={"code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_an_optional_second_factor_can_be_turned_off_but_an_admins_cannot(client, make, db, vault) -> None:
    user = make.user(Role.WELFARE_OFFICER)
    db.commit()
    totp = enrol_totp(db, user, vault)
    log_in(client, user, totp)
    next_code = totp.at(clock.now().timestamp() + 30)  # the next step: a new code, accepted within the window
    assert client.post("/konto/tvastegsverifiering/stang-av", data={"code": next_code}).status_code == 302
    db.expire_all()
    assert db.get(User, user.id).totp_secret is None

    client.post("/logout")
    admin = make.user(Role.ADMIN)
    db.commit()
    admin_totp = enrol_totp(db, admin, vault)
    log_in(client, admin, admin_totp)
    next_code = admin_totp.at(clock.now().timestamp() + 30)
    refused = client.post("/konto/tvastegsverifiering/stang-av", data={"code": next_code})
    assert refused.status_code == 403
    assert "kan inte stängas av" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, admin.id).totp_secret is not None


def test_an_account_an_admin_requires_it_for_sees_nothing_until_enrolled(client, make, db) -> None:
    user = make.user(Role.PROJECT_LEADER, totp_required=True)
    db.commit()
    response = log_in(client, user)
    assert response.headers["Location"].endswith("/konto/tvastegsverifiering")
    start = client.get("/")
    assert start.status_code == 302 and start.headers["Location"].endswith("/konto/tvastegsverifiering")
    assert client.get("/hjalp").status_code == 200  # help stays open


def test_the_code_step_is_throttled_per_account(database_url, make, db, vault) -> None:
    user = make.user(Role.PROJECT_LEADER)
    db.commit()
    enrol_totp(db, user, vault)
    with rate_limited_app(database_url) as app:
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        codes = [client.post("/login/kod", data={"code": f"12345{c}"}).status_code for c in "abcdef"]
    assert codes == [401] * 5 + [429]


def test_accepted_codes_do_not_use_up_the_code_limit(database_url, make, db, vault) -> None:
    """Only wrong codes count: six logins with the right code, then five wrong codes."""
    user = make.user(Role.PROJECT_LEADER)
    db.commit()
    totp = enrol_totp(db, user, vault)
    with rate_limited_app(database_url) as app:
        accepted = []
        for _ in range(6):
            db.execute(sa.update(User).where(User.id == user.id).values(totp_last_step=None))  # as if a new step
            db.commit()
            client = app.test_client()
            client.post("/login", data={"email": user.email, "password": PASSWORD})
            accepted.append(client.post("/login/kod", data={"code": totp.now()}).status_code)
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        wrong = [client.post("/login/kod", data={"code": f"12345{c}"}).status_code for c in "abcdef"]
    assert accepted == [302] * 6
    assert wrong == [401] * 5 + [429]
