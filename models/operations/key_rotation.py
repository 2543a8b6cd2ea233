"""Re-encrypting the values kept with the vault's keys (identity numbers, TOTP secrets) under
the current first key, so that an old key can then be removed from PIN_ENCRYPTION_KEYS.

The work goes in batches by id; the caller commits each batch, so a long run can be stopped
and started again (what was rotated stays rotated; rotating twice is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session

from ..accounts import User
from ..candidates import Candidate
from ..identity import PinVault

# (table's model, encrypted column) pairs that the vault's keys protect.
ENCRYPTED_COLUMNS: tuple[tuple[type, str], ...] = (
    (Candidate, "pin_encrypted"),
    (User, "totp_secret"),
)


@dataclass
class BatchResult:
    last_id: int | None = None
    rotated: int = 0
    failed_ids: list[int] = field(default_factory=list)


def count_encrypted(session: Session) -> int:
    return sum(
        session.scalar(sa.select(sa.func.count()).where(getattr(model, column).is_not(None))) or 0
        for model, column in ENCRYPTED_COLUMNS
    )


def rotate_batch(
    session: Session, vault: PinVault, model: type, column: str, *, after_id: int, limit: int
) -> BatchResult:
    """Re-encrypt up to `limit` values with ids above `after_id`. A value none of the keys
    opens is left as it is and its id reported (never silently dropped)."""
    col = getattr(model, column)
    rows = session.execute(
        sa.select(model.id, col).where(col.is_not(None), model.id > after_id).order_by(model.id).limit(limit)
    ).all()
    result = BatchResult()
    for row_id, token in rows:
        result.last_id = row_id
        try:
            fresh = vault.rotate(token)
        except InvalidToken:
            result.failed_ids.append(row_id)
            continue
        values = {column: fresh}
        if hasattr(model, "updated_at"):
            values["updated_at"] = model.updated_at  # a key change is not an edit of the record
        # Only if unchanged since read: a concurrent edit wrote it under the current key anyway.
        statement = sa.update(model).where(model.id == row_id, col == token).values(**values)
        session.execute(statement.execution_options(synchronize_session=False))
        result.rotated += 1
    return result
