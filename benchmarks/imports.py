"""Importing a 10,000-row candidate file, timed step by step, with the functions the CLI
`flask --app web import-candidates FILE --referrer EMAIL --commit` runs: `read_table`, then
`preview_import` (every row checked, duplicates looked up), then `import_candidates` and the
commit. The file is synthetic: Faker names, generated identity numbers (half of them
coordination numbers, as many newcomers have), the template's own column headings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session
from stdnum import luhn

from models import Candidate, User, clock, make_engine
from models.enums import FIELD_SLUGS, TargetGroup
from models.identity import PinVault
from models.operations import candidates as ops
from models.operations.spreadsheet import read_table


@dataclass
class ImportResult:
    rows: int
    bytes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # read, preview, import, commit
    valid: int = 0
    duplicates: int = 0
    errors: int = 0
    imported: int = 0

    @property
    def total_s(self) -> float:
        return sum(self.seconds.values())


def _identity(rng: random.Random, used: set[str]) -> str:
    """A synthetic personnummer, or a samordningsnummer (day of birth + 60), never used before."""
    while True:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 45 * 365))
        day = birth.day + (60 if rng.random() < 0.5 else 0)
        base = f"{birth:%y%m}{day:02d}{rng.randint(1, 999):03d}"
        number = f"{birth:%Y}{base[2:6]}-{base[6:]}{luhn.calc_check_digit(base)}"
        if number not in used:
            used.add(number)
            return number


def candidate_file(rows: int, seed: int = 7) -> bytes:
    """A UTF-8 CSV with the import template's headings; four rows in five carry consent."""
    rng = random.Random(seed)
    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    used: set[str] = set()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([spec.header for spec in ops.IMPORT_COLUMNS])
    groups = [g.value for g in TargetGroup]
    for i in range(rows):
        consent = rng.random() < 0.8
        given_on = clock.local_today() - dt.timedelta(days=rng.randint(0, 60))
        values = {
            "first_name": fake.first_name(), "last_name": fake.last_name(), "pin": _identity(rng, used),
            "phone": f"070-{rng.randint(1000000, 9999999)}", "email": f"import{i}@exempel.example",
            "contact_channel": rng.choice(["sms", "telefon", "e-post"]), "preferred_language": "sv",
            "target_group": rng.choice(groups), "swedish_level": str(rng.randint(0, 6)),
            "languages": rng.choice(["ar, en", "so", "ti, en", "fa", ""]),
            "interests": ", ".join(rng.sample(FIELD_SLUGS, k=rng.randint(1, 3))),
            "weekdays": rng.choice(["mån, tis, ons", "tis, tor", "mån, tis, ons, tor, fre"]),
            "times_of_day": rng.choice(["förmiddag", "förmiddag, eftermiddag", ""]),
            "postcode": "252 21", "area": "Centrum", "lat": "56,046", "lon": "12,694",
            "needs_accessible": rng.choice(["ja", "nej", "nej", "nej"]), "needs_other": "",
            "adjustments": rng.choice(["", "", "", "tolk", "pauser", "språkstöd, pauser"]),
            "reason": "Vill pröva yrket" if consent else "",
            "consent_given_on": given_on.isoformat() if consent else "",
            "consent_method": "skriftligt" if consent else "", "gender": "",
        }
        writer.writerow([values[spec.key] for spec in ops.IMPORT_COLUMNS])
    return out.getvalue().encode("utf-8")


def measure(url: str, vault: PinVault, referrer_email: str, *, rows: int = 10_000, seed: int = 7) -> ImportResult:
    """Preview and commit a `rows`-row file as `referrer_email` (the rows stay in the database).
    The file's persons depend on how many candidates the database has, so that measuring a
    reused database (`--reuse`) again imports new persons instead of finding every one already
    there; a freshly built data set always gets the same file."""
    engine = make_engine(url)
    with Session(engine) as session:
        seed += session.scalar(sa.select(sa.func.count()).select_from(Candidate)) or 0
    data = candidate_file(rows, seed)
    result = ImportResult(rows=rows, bytes=len(data))
    try:
        with Session(engine) as session:
            referrer = session.scalar(sa.select(User).where(User.email == referrer_email))
            assert referrer is not None
            start = time.perf_counter()
            # The app's own limits: MAX_ROWS (10,000) rows and the upload size (5 MB).
            table = read_table("kandidater.csv", data)
            result.seconds["read"] = time.perf_counter() - start
            start = time.perf_counter()
            preview = ops.preview_import(session, vault, table)
            result.seconds["preview"] = time.perf_counter() - start
            result.valid, result.duplicates = len(preview.valid_rows), len(preview.duplicates)
            result.errors = preview.rows_with_errors
            start = time.perf_counter()
            referrals = ops.import_candidates(session, vault, preview, referrer=referrer, skip_duplicates=True)
            result.seconds["import"] = time.perf_counter() - start
            start = time.perf_counter()
            session.commit()
            result.seconds["commit"] = time.perf_counter() - start
            result.imported = len(referrals)
    finally:
        engine.dispose()
    return result
