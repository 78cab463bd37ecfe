"""Business rules of network events as pure functions (no database).

Registration follows seed 004 («присоединение педагогов в качестве участников к мероприятиям»):
a person registers while places are left, joins the waiting list when the event is full, and
the first person waiting takes a place that frees up.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from network_portal.accounts.models import Role

from .models import Audience, EventStatus, RegistrationStatus

#: Which audience a portal role belongs to. Students and parents have no accounts: the
#: organiser counts them in the report (``EventReport.other_participants``).
ROLE_AUDIENCES: dict[str, frozenset[str]] = {
    Role.TEACHER: frozenset({Audience.TEACHERS}),
    Role.PARTNER: frozenset({Audience.TEACHERS}),
    Role.DIRECTOR: frozenset({Audience.ADMINISTRATION, Audience.TEACHERS}),
    Role.CURATOR: frozenset({Audience.ADMINISTRATION, Audience.TEACHERS}),
    Role.METHODOLOGIST: frozenset({Audience.ADMINISTRATION, Audience.TEACHERS}),
    Role.COORDINATOR: frozenset({Audience.ADMINISTRATION}),
}


class RegistrationRefused(Exception):
    """A registration that the rules do not allow; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def audience_admits(*, roles: Iterable[str], audience: Iterable[str]) -> bool:
    """Whether a person with these roles belongs to the event's audience."""
    wanted = set(audience)
    return any(ROLE_AUDIENCES.get(role, frozenset()) & wanted for role in roles)


def registration_check(
    *,
    status: str,
    starts_at: datetime,
    deadline: datetime | None,
    now: datetime,
    current: str | None,
) -> None:
    """Raise :class:`RegistrationRefused` unless a person may (re)register now.

    ``current`` is the person's present registration status for the event, if any.
    """
    if status == EventStatus.CANCELLED:
        raise RegistrationRefused(_("The event is cancelled: registration is closed."))
    if status != EventStatus.PUBLISHED:
        raise RegistrationRefused(_("Registration is open only for published events."))
    if current == RegistrationStatus.REGISTERED:
        raise RegistrationRefused(_("You are already registered for this event."))
    if current == RegistrationStatus.WAITLISTED:
        raise RegistrationRefused(_("You are already on the waiting list for this event."))
    closes = deadline or starts_at
    if now >= closes:
        raise RegistrationRefused(_("Registration closed on %(date)s.") % {"date": _fmt(closes)})


def _fmt(moment: datetime) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(moment), "j E Y, H:i")


def place_status(*, capacity: int | None, registered: int) -> str:
    """Registered while places are left (no capacity means unlimited), else waiting list."""
    if capacity is None or registered < capacity:
        return RegistrationStatus.REGISTERED
    return RegistrationStatus.WAITLISTED


def places_to_promote(*, capacity: int | None, registered: int, waiting: int) -> int:
    """How many people from the head of the waiting list take the free places."""
    if capacity is None:
        return waiting
    return max(0, min(waiting, capacity - registered))


def capacity_error(*, capacity: int | None, registered: int) -> str | None:
    """A capacity below the number already registered is refused with the numbers."""
    if capacity is not None and capacity < registered:
        return _(
            "The capacity cannot be %(capacity)s: %(registered)s people are already "
            "registered. Cancel some registrations first or keep at least %(registered)s places."
        ) % {"capacity": capacity, "registered": registered}
    return None


def certificate_code_new() -> str:
    """A short code that is hard to guess, easy to type: XXXX-XXXX-XXXX without 0/O/1/I."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def certificate_code_plausible(code: str) -> bool:
    """Could this be a certificate code at all (letters, digits, dashes, short)? Anything
    else is not looked up, nor put into a URL."""
    return 0 < len(code) <= 20 and all(c.isascii() and (c.isalnum() or c == "-") for c in code)


def name_masked(*, last_name: str, first_name: str, middle_name: str = "") -> str:
    """«Петров М. А.» → «П***в М. А.»: enough to check a certificate against a person."""
    last = last_name.strip()
    if len(last) > 2:
        last = f"{last[0]}***{last[-1]}"
    initials = " ".join(f"{part[0]}." for part in (first_name, middle_name) if part)
    return f"{last} {initials}".strip()


@dataclass(frozen=True)
class NeedGap:
    need: str
    label: str
    count: int
    share: float


def needs_not_addressed(
    *, needs: Sequence[dict], addressed: Iterable[str], limit: int = 5
) -> list[NeedGap]:
    """The teachers' top needs (seed 004 survey, most frequent first) no planned event covers."""
    covered = set(addressed)
    ranked = sorted(needs, key=lambda n: (-n.get("count", 0), str(n.get("label", ""))))
    gaps = [
        NeedGap(n["need"], str(n.get("label", n["need"])), n.get("count", 0), n.get("share", 0.0))
        for n in ranked
        if n["need"] not in covered and n.get("count", 0) > 0
    ]
    return gaps[:limit]


def month_weeks(*, year: int, month: int) -> list[list[date]]:
    """The weeks (Monday first) that cover a month, for a calendar grid."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def month_shift(*, year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


#: Months a calendar may show: the grid pads a month with days of its neighbours, so the
#: first and last years ``date`` knows are left out.
MONTH_YEARS = range(1900, 3000)


def month_parse(value: str | None, *, today: date) -> tuple[int, int]:
    """``YYYY-MM`` from a query string; today's month for anything else (garbage, months out
    of range, numbers too long for an int of C)."""
    parts = (value or "").split("-")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        year, month = int(parts[0]), int(parts[1])
        if year in MONTH_YEARS and 1 <= month <= 12:
            return year, month
    return today.year, today.month


def month_param(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"
