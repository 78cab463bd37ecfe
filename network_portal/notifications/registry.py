"""Kinds of reminders. ``reports`` registers them in ``ReportsConfig.ready()``.

A kind is a selector ``collect(today) -> Iterable[Reminder]`` that runs a bounded number of
queries (never one per item) and the name of the e-mail templates. The platform never imports
a domain app: it calls what was registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Reminder:
    kind: str
    recipient_id: int
    #: What the reminder is about, e.g. ``item:42``; part of the once-only key.
    object_key: str
    due_date: date
    #: What the e-mail prints about this object (plain values only).
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, str, date]:
        return (self.kind, self.recipient_id, self.object_key, self.due_date)


@dataclass(frozen=True)
class ReminderKind:
    key: str
    label: Any
    description: Any
    collect: Callable[[date], Iterable[Reminder]]
    #: ``emails/<template>_subject.txt``, ``.txt``, ``.html``; the context has ``reminders``.
    template: str
    order: int = 100
    #: Optional: adds to a letter's items (``context`` dicts with ``due_date``) the values that
    #: both its parts print — e.g. the formatted date, the link, a plural phrase — once per item
    #: in the worker that composes it, instead of a filter or ``{% blocktranslate %}`` per item
    #: in the text and again in the HTML template.
    display: Callable[[list[dict[str, Any]]], None] | None = None


_KINDS: dict[str, ReminderKind] = {}


def register_reminder(kind: ReminderKind) -> ReminderKind:
    _KINDS[kind.key] = kind
    return kind


def reminder_kinds() -> list[ReminderKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def get_reminder_kind(key: str) -> ReminderKind:
    return _KINDS[key]
