"""The visible history of partnerships and networks: who changed what, when, before → after.

django-simple-history keeps a snapshot of the partnership (and of a network) with its members
and reference lists (``models.register``). The services write **one** snapshot per edit or
status change — the intermediate saves of the members and lists are made with
:func:`history_off` — so two consecutive snapshots differ by exactly one person's action.
This module turns pairs of snapshots into readable changes, for the history on the
partnership page and for the message that refuses a stale save.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .matching import in_sentence
from .models import MemberRole, Network, NetworkModel, Partnership


@contextmanager
def history_off(*objects: Model) -> Iterator[None]:
    """Saves of these objects (and changes of their many-to-many lists) write no snapshot."""
    for obj in objects:
        obj.skip_history_when_saving = True
    try:
        yield
    finally:
        for obj in objects:
            del obj.skip_history_when_saving


def snapshot(obj: Model, *, actor: Any, fields: Iterable[str] = ("version",)) -> None:
    """Save ``obj`` once more so that simple-history writes one snapshot of it, by ``actor``."""
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
    obj.save(update_fields=[*fields, *(["updated_at"] if hasattr(obj, "updated_at") else [])])


# --- What a snapshot holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The fields of a model shown in its history, and its many-to-many lists."""

    fields: tuple[tuple[str, Any], ...]  # attname, label
    #: field -> (historical m2m model, column of the related id, its model, label)
    lists: dict[str, tuple[str, str, str, Any]]
    #: attname of a foreign key -> the model whose names it shows
    relations: dict[str, str]


PARTNERSHIP = Spec(
    fields=(
        ("title", gettext_lazy("Title")),
        ("municipality_id", gettext_lazy("Municipality")),
        ("network_id", gettext_lazy("Network")),
        ("start_date", gettext_lazy("Start date")),
        ("end_date", gettext_lazy("End date")),
        ("description", gettext_lazy("Description")),
        ("over_capacity_reason", gettext_lazy("Capacity exceeded because")),
    ),
    lists={
        "organisations": (
            "HistoricalPartnershipMember",
            "organisation_id",
            "schools.Organisation",
            gettext_lazy("Members"),
        ),
        "risk_factors": (
            "HistoricalPartnership_risk_factors",
            "riskfactor_id",
            "diagnostics.RiskFactor",
            gettext_lazy("Risk factors addressed"),
        ),
        "forms": (
            "HistoricalPartnership_forms",
            "formofinteraction_id",
            "partnerships.FormOfInteraction",
            gettext_lazy("Forms of interaction"),
        ),
        "directions": (
            "HistoricalPartnership_directions",
            "direction_id",
            "partnerships.Direction",
            gettext_lazy("Directions"),
        ),
        "resources": (
            "HistoricalPartnership_resources",
            "resourcekind_id",
            "partnerships.ResourceKind",
            gettext_lazy("Shared resources"),
        ),
    },
    relations={"municipality_id": "schools.Municipality", "network_id": "partnerships.Network"},
)

NETWORK = Spec(
    fields=(
        ("name", gettext_lazy("Name")),
        ("model", gettext_lazy("Model")),
        ("municipality_id", gettext_lazy("Municipality")),
        ("coordinator_id", gettext_lazy("Coordinating organisation")),
        ("description", gettext_lazy("Description")),
    ),
    lists={
        "members": (
            "HistoricalNetwork_members",
            "organisation_id",
            "schools.Organisation",
            gettext_lazy("Member organisations"),
        )
    },
    relations={"municipality_id": "schools.Municipality", "coordinator_id": "schools.Organisation"},
)


@dataclass
class Change:
    """One changed field: ``before`` → ``after``, or for a list what was added and removed."""

    label: str
    before: str = ""
    after: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return bool(self.added or self.removed)

    def __str__(self) -> str:
        if self.is_list:
            parts = []
            if self.added:
                parts.append(_("added: %(names)s") % {"names": ", ".join(self.added)})
            if self.removed:
                parts.append(_("removed: %(names)s") % {"names": ", ".join(self.removed)})
            return f"{self.label} — {'; '.join(parts)}"
        return f"{self.label}: {self.before} → {self.after}"


def _list_rows(spec: Spec, records: list[Model]) -> dict[str, dict[int, set]]:
    """field -> history_id -> the set of related ids (members: (organisation id, role))."""
    ids = [r.history_id for r in records]
    result: dict[str, dict[int, set]] = {}
    for name, (model_name, column, _model, _label) in spec.lists.items():
        model = apps.get_model("partnerships", model_name)
        rows: dict[int, set] = defaultdict(set)
        columns = (
            ("history_id", column, "role") if name == "organisations" else ("history_id", column)
        )
        for history_id, related_id, *role in model.objects.filter(history_id__in=ids).values_list(
            *columns
        ):
            rows[history_id].add((related_id, *role) if role else related_id)
        result[name] = rows
    return result


def _raw_changes(spec: Spec, old: Model, new: Model, lists: dict[str, dict[int, set]]) -> list:
    """(kind, key, before, after) of every difference, with raw values (ids)."""
    changes = []
    for attname, _label in spec.fields:
        before, after = getattr(old, attname), getattr(new, attname)
        if before != after:
            changes.append(("field", attname, before, after))
    for name in spec.lists:
        before = lists[name].get(old.history_id, set())
        after = lists[name].get(new.history_id, set())
        if before != after:
            changes.append(("list", name, before, after))
    return changes


def _names(spec: Spec, raw: Iterable[list]) -> dict[str, dict[int, str]]:
    """Names of the related objects the changes mention, one query per kind of object."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for changes in raw:
        for kind, key, before, after in changes:
            if kind == "field" and key in spec.relations:
                wanted[spec.relations[key]] |= {v for v in (before, after) if v is not None}
            elif kind == "list":
                model = spec.lists[key][2]
                wanted[model] |= {v[0] if isinstance(v, tuple) else v for v in before | after}
    names: dict[str, dict[int, str]] = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        name_field = "short_name" if label == "schools.Organisation" else "name"
        names[label] = dict(model.objects.filter(pk__in=ids).values_list("pk", name_field))
    return names


def _value(attname: str, value: Any, spec: Spec, names: dict[str, dict[int, str]]) -> str:
    if value in (None, ""):
        return "—"
    if attname in spec.relations:
        return names.get(spec.relations[attname], {}).get(value, f"#{value}")
    if attname == "model":
        return str(NetworkModel(value).label) if value in NetworkModel.values else value
    if isinstance(value, dt.date):
        return date_format(value, "d.m.Y")
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _worded(spec: Spec, raw: list, names: dict[str, dict[int, str]]) -> list[Change]:
    labels = dict(spec.fields)
    roles = dict(MemberRole.choices)
    changes = []
    for kind, key, before, after in raw:
        if kind == "field":
            changes.append(
                Change(
                    label=str(labels[key]),
                    before=_value(key, before, spec, names),
                    after=_value(key, after, spec, names),
                )
            )
            continue
        model = spec.lists[key][2]

        def word(value, model=model) -> str:
            if isinstance(value, tuple):  # a member: (organisation, role)
                name = names.get(model, {}).get(value[0], f"#{value[0]}")
                return f"{name} ({in_sentence(str(roles.get(value[1], value[1])))})"
            return names.get(model, {}).get(value, f"#{value}")

        changes.append(
            Change(
                label=str(spec.lists[key][3]),
                added=sorted(word(v) for v in after - before),
                removed=sorted(word(v) for v in before - after),
            )
        )
    return changes


def _records(model: type[Model], pk: int) -> list[Model]:
    return list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def changes_between(spec: Spec, old: Model, new: Model) -> list[Change]:
    """What changed from one snapshot to a later one (any two of the same object)."""
    lists = _list_rows(spec, [old, new])
    raw = _raw_changes(spec, old, new, lists)
    return _worded(spec, raw, _names(spec, [raw]))


# --- The partnership's history -------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One line of the visible history: a status change (``action`` of :class:`StatusChange`)
    or an edit (``action == "edit"``, with its ``changes``)."""

    created_at: dt.datetime
    action: str
    actor: Any = None
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def partnership_history(*, partnership: Partnership) -> list[HistoryEntry]:
    """Status changes and edits of a partnership, oldest first (a fixed number of queries)."""
    entries = [
        HistoryEntry(created_at=s.created_at, action=s.action, actor=s.actor, reason=s.reason)
        for s in partnership.status_changes.select_related("actor")
    ]
    records = _records(Partnership, partnership.pk)
    lists = _list_rows(PARTNERSHIP, records)
    raw = [(new, _raw_changes(PARTNERSHIP, old, new, lists)) for old, new in pairwise(records)]
    names = _names(PARTNERSHIP, [changes for _new, changes in raw])
    for new, changes in raw:
        if changes:
            entries.append(
                HistoryEntry(
                    created_at=new.history_date,
                    action="edit",
                    actor=new.history_user,
                    changes=_worded(PARTNERSHIP, changes, names),
                )
            )
    entries.sort(key=lambda e: e.created_at)
    return entries


# --- Refused stale saves ---------------------------------------------------------------------


def changes_since(*, obj: Partnership | Network, seen_version: int | None) -> list[Change]:
    """What was changed since the version the person saw (the lines a refused stale save
    lists, ``network_portal.editing``): from that version's snapshot to the latest one."""
    spec = PARTNERSHIP if isinstance(obj, Partnership) else NETWORK
    records = _records(type(obj), obj.pk)
    latest = records[-1] if records else None
    seen = next((r for r in reversed(records) if r.version == seen_version), None)
    return changes_between(spec, seen, latest) if seen and latest else []
