"""`rotate-pin-keys`: every identity number and TOTP secret re-encrypted under the first key of
PIN_ENCRYPTION_KEYS, so the old key can be retired; nothing else about the records changes."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet

from models import AuditEvent, Candidate, User
from models.enums import Role
from models.identity import PinVault
from web import create_app

from .conftest import test_config


def _vault(*keys: str) -> PinVault:
    return PinVault(list(keys), "test-hash-key")


def test_rotation_moves_every_value_to_the_new_key(database_url, make, db) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old = _vault(old_key)
    candidates = [make.candidate(vault=old) for _ in range(5)]
    admin = make.user(Role.ADMIN, totp_secret=old.encrypt("JBSWY3DPEHPK3PXP"))
    db.commit()
    numbers = {c.id: old.decrypt(c.pin_encrypted) for c in candidates}
    versions = {c.id: (c.version, c.updated_at) for c in candidates}

    app = create_app(test_config(database_url, PIN_ENCRYPTION_KEYS=[new_key, old_key]))
    result = app.test_cli_runner().invoke(args=["rotate-pin-keys", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 6 value(s)" in result.output

    db.expire_all()
    only_new = _vault(new_key)
    for candidate in db.scalars(sa.select(Candidate)):
        assert only_new.decrypt(candidate.pin_encrypted) == numbers[candidate.id]
        assert (candidate.version, candidate.updated_at) == versions[candidate.id]  # not an edit
    assert only_new.decrypt(db.get(User, admin.id).totp_secret) == "JBSWY3DPEHPK3PXP"
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "pin_keys_rotated")).one()
    assert event.details == {"rotated": 6, "failed": 0}


def test_a_value_no_key_opens_is_reported_and_the_rest_still_rotate(database_url, make, db) -> None:
    lost_key, old_key, new_key = (Fernet.generate_key().decode() for _ in range(3))
    good = make.candidate(vault=_vault(old_key))
    orphan = make.candidate(vault=_vault(lost_key))
    db.commit()
    orphan_token = orphan.pin_encrypted

    app = create_app(test_config(database_url, PIN_ENCRYPTION_KEYS=[new_key, old_key]))
    result = app.test_cli_runner().invoke(args=["rotate-pin-keys"])
    assert result.exit_code != 0
    assert f"candidate:{orphan.id}" in result.output and "PIN_ENCRYPTION_KEYS" in result.output
    db.expire_all()
    assert _vault(new_key).decrypt(db.get(Candidate, good.id).pin_encrypted)
    assert db.get(Candidate, orphan.id).pin_encrypted == orphan_token  # left as it was, not lost
