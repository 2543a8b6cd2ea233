"""Swedish identity numbers: validation (personnummer and samordningsnummer, organisation
numbers), and the protection of personal identity numbers at rest.

Validation uses maintained libraries (`personnummer`, which knows samordningsnummer, and
`python-stdnum` for organisation numbers) rather than a hand-written checksum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from personnummer import personnummer as _pnr
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.se import orgnr as _orgnr


class InvalidIdentityNumber(ValueError):
    """The text is not a valid Swedish personal identity or coordination number."""


class InvalidOrgNumber(ValueError):
    """The text is not a valid Swedish organisation number."""


@dataclass(frozen=True)
class PersonalIdentity:
    number: str  # 12 digits, YYYYMMDDNNNN
    birth_date: dt.date
    coordination: bool

    @property
    def masked(self) -> str:
        """What pages show: the birth date part, never the last four digits."""
        return f"{self.number[:8]}-XXXX"

    @property
    def formatted(self) -> str:
        return f"{self.number[:8]}-{self.number[8:]}"


def parse_personal_identity(raw: str) -> PersonalIdentity:
    """Validate a personnummer or samordningsnummer in any common written form."""
    text = (raw or "").strip()
    if not text:
        raise InvalidIdentityNumber("empty")
    if not text.isascii():
        # The library's pattern is `\d`, which also matches other scripts' digits (Arabic-Indic,
        # full-width): "١٩٨١١٢١٨٩٨٧٦" would come back as the "number", and hash and compare unlike
        # the same person's number written with 0-9.
        raise InvalidIdentityNumber(text)
    try:
        parsed = _pnr.parse(text)
    except Exception as exc:  # the library raises its own exception types for each fault
        raise InvalidIdentityNumber(text) from exc
    number = parsed.format(True)
    return PersonalIdentity(
        number=number, birth_date=parsed.get_date(), coordination=parsed.is_coordination_number()
    )


def normalise_org_number(raw: str) -> str:
    """Validate an organisation number; return it as NNNNNN-NNNN."""
    try:
        return _orgnr.format(_orgnr.validate(raw or ""))
    except _StdnumError as exc:
        raise InvalidOrgNumber(raw) from exc


class PinVault:
    """Encrypts personal identity numbers (Fernet, with key rotation through MultiFernet) and
    computes a keyed hash (HMAC-SHA256) so duplicates can be found without decrypting."""

    def __init__(self, encryption_keys: list[str], hash_key: str):
        if not encryption_keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in encryption_keys])
        self._hash_key = hash_key.encode()

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, number: str) -> str:
        return self._fernet.encrypt(number.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("identity number cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (current) key."""
        return self._fernet.rotate(token.encode()).decode()

    def lookup_hash(self, number: str) -> str:
        return hmac.new(self._hash_key, number.encode(), hashlib.sha256).hexdigest()
