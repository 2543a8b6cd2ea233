"""The demo's network meeting (11:11 Meet Malmö, seed 000): a theme meeting held a fortnight ago
with companies from the three channels — some hand-picked by the city, some recommended by
organisations, the first open sign-ups and a waiting list — attendance marked, a company that
entered the register there, and two offers that came from it."""

from __future__ import annotations

import datetime as dt
import random

from faker import Faker
from sqlalchemy.orm import Session
from stdnum import luhn

from . import clock
from .companies import Company, Offer
from .enums import SizeClass
from .meetings import (
    InviteeStatus,
    MeetingChannel,
    MeetingInvitee,
    MeetingKind,
    MeetingOffer,
    MeetingQuota,
    NetworkMeeting,
    RepresentativeBackground,
    RepresentativeGender,
)
from .operations import meetings as meeting_ops

RECOMMENDERS = ("Företagarna", "Svenskt Näringsliv", "Arbetsförmedlingen", "Media Evolution City")
QUOTAS = {MeetingChannel.CITY: 10, MeetingChannel.ORGANISATION: 8, MeetingChannel.OPEN: 6}


def _org_number(base: str) -> str:
    number = base + luhn.calc_check_digit(base)
    return f"{number[:6]}-{number[6:]}"


def _invitee(company: Company, channel: MeetingChannel, rng: random.Random, signed_up: dt.datetime,
             **kw: object) -> MeetingInvitee:
    contact = company.contacts[0] if company.contacts else None
    return MeetingInvitee(
        channel=channel, company=company, company_name=company.name, org_number=company.org_number,
        industry=company.industry, size_class=company.size_class,
        contact_name=contact.name if contact else "", email=contact.email if contact else "",
        representative_gender=rng.choice([*RepresentativeGender, None, None]),
        representative_background=rng.choice([*RepresentativeBackground, None]),
        invited_at=None if channel == MeetingChannel.OPEN else signed_up - dt.timedelta(days=3),
        signed_up_at=signed_up, **kw,
    )


def seed_meeting(session: Session, rng: random.Random, fake: Faker, companies: list[Company], offers: list[Offer],
                 today: dt.date) -> NetworkMeeting:
    day = today - dt.timedelta(days=14)
    start = clock.local_datetime(day, dt.time(8, 30))
    per_channel = len(companies) // len(QUOTAS)  # a small demo gets a smaller meeting
    quotas = {c: max(min(q, per_channel - 2), 1) for c, q in QUOTAS.items()}
    meeting = NetworkMeeting(
        kind=MeetingKind.THEME, title="11:11 Meet Malmö – tematräff", theme="Vad kan staden göra för företagen?",
        starts_at=start, ends_at=start + dt.timedelta(hours=3), place="Malmö Live", capacity=sum(quotas.values()),
        open_signup=True, themes_discussed="Kompetensförsörjning\nPraktikplatser för unga\nEnklare kontakt med staden",
        channels=[MeetingQuota(channel=c, quota=q) for c, q in quotas.items()],
    )
    pool = rng.sample(companies, k=per_channel * len(QUOTAS))
    first = start - dt.timedelta(days=30)
    for channel, quota in quotas.items():
        taking, pool = pool[:per_channel], pool[per_channel:]
        for n, company in enumerate(taking[:quota + 2]):
            placed = n < quota
            meeting.invitees.append(_invitee(
                company, channel, rng, first + dt.timedelta(hours=5 * n + 2 * len(meeting.invitees)),
                recommended_by=rng.choice(RECOMMENDERS) if channel == MeetingChannel.ORGANISATION else "",
                status=InviteeStatus.SELECTED if placed else InviteeStatus.WAITLISTED, seat=n + 1 if placed else None,
                attended=(rng.random() < 0.85) if placed else None,
            ))
    session.add(meeting)
    session.flush()
    # A company new to the partnership signed up openly, came, and entered the register.
    walk_in = MeetingInvitee(
        meeting_id=meeting.id, channel=MeetingChannel.OPEN, company_name=fake.unique.company(),
        org_number=_org_number("559900001"), industry="Handel", size_class=SizeClass.MICRO, contact_name=fake.name(),
        email="kontakt@nyfirma.example", status=InviteeStatus.WAITLISTED, signed_up_at=first + dt.timedelta(days=10),
    )
    session.add(walk_in)
    session.flush()
    meeting_ops.add_to_network(session, walk_in)
    attended = [i for i in meeting.invitees if i.attended]
    for invitee in attended[:2]:
        offer = next((o for o in offers if o.company_id == invitee.company_id), None)
        if offer is not None:
            session.add(MeetingOffer(meeting_id=meeting.id, offer_id=offer.id))
    session.flush()
    return meeting
