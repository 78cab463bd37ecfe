"""The platform editing kit: one way to refuse a save over somebody else's change.

Every edited object carries an integer ``version`` column. A form shows it in a hidden field
(:class:`VersionedFormMixin`); the service claims the row with :func:`claim` — one conditional
``UPDATE … SET version = version + 1 WHERE pk = … AND version = <seen>`` — before it writes.
When nobody saved in between, the claim holds the row (the UPDATE locks it until the
transaction ends) and the service goes on. Otherwise nothing is written and :class:`StaleEdit`
carries the object as stored now; the view hands it to ``form.refuse(stale)``, which keeps
everything typed, lists the fields whose stored value differs from it and lets the next save
(after a look) overwrite them. The refusal is rendered by one template,
``editing/_stale.html``, the same way on every page.

What ``seen`` (a service's ``version``) means — the same everywhere:

* a positive ``int``: the version the person saw;
* ``0`` (:data:`NOTHING_SEEN`): the person saw no stored object — a form opened on a new one
  carries it. Stored versions start at 1, so a row found (somebody created it meanwhile) is
  always refused and shown first;
* ``None``: no version was given — the version of the instance passed in is what was seen.
  Only code that loaded the object itself passes nothing (a management command, a service
  calling another); a form never does.

A request that does not carry the hidden field (a script, a page cached from before the
field, a hand-made POST) saw nothing: :attr:`VersionedFormMixin.seen_version` is
:data:`NOTHING_SEEN` then, so its save over a stored object is refused like any stale one —
the shared refusal shows what is stored and carries its version, and the next save, after a
look, goes through. It never overwrites silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "NOTHING_SEEN",
    "Change",
    "StaleEdit",
    "VersionedFormMixin",
    "claim",
    "shown",
]

VERSION_FIELD = "version"


#: The version a form opened on a new object carries (see the module docstring).
NOTHING_SEEN = 0

#: A refusal names this many changed fields; more (a questionnaire's answers) are summed up:
#: the count, the first names and «и ещё N».
LISTED_CHANGES = 3

Seen = int | None


@dataclass(frozen=True)
class Change:
    """One field whose stored value differs from what the person typed."""

    name: str
    label: str
    stored: str

    def __str__(self) -> str:
        return f"{self.label} — {self.stored}"


class StaleEdit(Exception):
    """Somebody saved the object since the person opened it; nothing was written.

    ``current`` is the object as stored now, ``seen`` the version the person saw (``0``: no
    stored object). ``changes`` — the fields whose stored value differs from
    what was typed, each with its label and stored value for display — are filled by the
    refused form (:meth:`VersionedFormMixin.refuse`), the one place that knows what was
    typed; ``changed_fields`` are their names.
    """

    def __init__(self, *, current: models.Model, seen: int) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")
        self.current = current
        self.seen = seen
        self.changes: list[Any] = []

    @property
    def version(self) -> int:
        """The version stored now: a form sending it again overwrites deliberately."""
        return self.current.version

    @property
    def listed_changes(self) -> list[Any]:
        """The changes the refusal names: all of them, or the first :data:`LISTED_CHANGES`
        when more would make it a list to read through (never «и ещё 1»)."""
        if len(self.changes) <= LISTED_CHANGES + 1:
            return self.changes
        return self.changes[:LISTED_CHANGES]

    @property
    def unlisted(self) -> int:
        """How many changes the refusal only counts («и ещё N»)."""
        return len(self.changes) - len(self.listed_changes)

    @property
    def changed_fields(self) -> list[str]:
        return [c.name for c in self.changes if isinstance(c, Change)]

    @cached_property
    def _last_save(self) -> tuple[Any, dt.datetime | None]:
        """(user, moment) of the last save: the latest history record when the model keeps
        one, else its ``updated_by`` / ``updated_at``."""
        history = getattr(self.current, "history", None)
        record = None
        if history is not None and hasattr(history, "select_related"):
            record = history.select_related("history_user").first()
        if record is not None:
            return record.history_user, record.history_date
        return getattr(self.current, "updated_by", None), getattr(self.current, "updated_at", None)

    @property
    def who(self) -> str:
        """Who saved last, as people are named in the portal; empty when unknown."""
        user = self._last_save[0]
        if user is None:
            return ""
        return user.get_full_name() or user.email

    @property
    def when(self) -> dt.datetime | None:
        return self._last_save[1]

    @property
    def status(self) -> str:
        """The stored status (a refused edit often meets a status change), if the object
        has one."""
        display = getattr(self.current, "get_status_display", None)
        return str(display()) if display is not None else ""


def claim(
    obj: models.Model,
    *,
    seen: Seen = None,
    queryset: models.QuerySet | None = None,
) -> int:
    """Claim ``obj``'s row at the version the person saw; return the new version.

    One conditional ``UPDATE … SET version = version + 1 WHERE pk = … AND version = seen``.
    One row updated: the row is held until the transaction ends (call it inside
    ``transaction.atomic``, before writing, so that a refusal later in the service rolls
    the claim back) and ``obj.version`` is the new version, so ``obj.save()`` keeps it.
    No row updated: :class:`StaleEdit` with the object as stored now, read from
    ``queryset`` (for its ``select_related``) or the base manager. For ``seen`` see
    the module docstring; a row deleted meanwhile raises the model's ``DoesNotExist``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside transaction.atomic()")
    model = type(obj)
    if seen is None:
        seen = obj.version
    claimed = model._base_manager.filter(pk=obj.pk, version=seen).update(
        version=F(VERSION_FIELD) + 1
    )
    if claimed:
        obj.version = seen + 1
        return obj.version
    source = queryset if queryset is not None else model._base_manager.all()
    raise StaleEdit(current=source.get(pk=obj.pk), seen=seen)


# --- showing values ---------------------------------------------------------------------------


def _number(value: Decimal | float) -> str:
    value = Decimal(str(value))
    return formats.number_format(value.normalize() if value % 1 else int(value))


def shown(field: forms.Field, value: Any) -> str:
    """A stored value as the form shows it: names rather than keys, dates and numbers the
    Russian way, «—» for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.ModelChoiceField):
        keys = value if isinstance(value, (list, tuple, set)) else [value]
        keys = [k.pk if hasattr(k, "pk") else k for k in keys]
        objects = field.queryset.model._default_manager.filter(pk__in=keys)
        return ", ".join(str(field.label_from_instance(o)) for o in objects) or "—"
    if isinstance(field, forms.ChoiceField):
        labels = {str(k): v for k, v in _flat(field.choices)}
        values = value if isinstance(value, (list, tuple, set)) else [value]
        return ", ".join(str(labels.get(str(v), v)) for v in values)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return formats.date_format(value, "d.m.Y")
    if isinstance(value, (Decimal, float)):
        return _number(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _flat(choices) -> list[tuple[Any, Any]]:
    flat = []
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


def _minutes(value: Any) -> Any:
    """Forms here are minute-precise: a stored second is not a difference."""
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    return value


# --- the form side --------------------------------------------------------------------------


class VersionedFormMixin:
    """A form that carries the version it was opened on and shows a refused stale save.

    Mix it in before ``forms.Form`` / ``forms.ModelForm``. The hidden ``version`` field
    starts at ``initial["version"]`` or the edited instance's version (a ``ModelForm``;
    :data:`NOTHING_SEEN` for an instance not stored yet). After ``StaleEdit``, call
    :meth:`refuse`: the form keeps everything typed, carries the stored version (sending it
    again overwrites deliberately) and has one non-field error, rendered from
    ``editing/_stale.html``.
    """

    #: How the refusal names the edited object (accusative: «… изменил(а) <what> …»).
    stale_what = pgettext_lazy("stale edit", "this page")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        instance = getattr(self, "instance", None)
        if VERSION_FIELD not in self.initial and instance is not None:
            self.initial[VERSION_FIELD] = instance.version if instance.pk else NOTHING_SEEN
        self.stale: StaleEdit | None = None

    @property
    def seen_version(self) -> int:
        """The version the person saw, after ``is_valid()``; a request without the hidden
        field saw nothing (:data:`NOTHING_SEEN`, see the module docstring)."""
        seen = self.cleaned_data.get(VERSION_FIELD)
        return NOTHING_SEEN if seen is None else seen

    def edited_fields(self) -> list[str]:
        return [name for name in self.fields if name != VERSION_FIELD]

    def stored_initial(self, current: models.Model) -> Mapping[str, Any]:
        """The stored object in the shape of this form's fields (what the form would show if
        opened now). A ``ModelForm`` maps its model fields; other forms override it."""
        return model_to_dict(current, fields=self.edited_fields())

    def _label(self, name: str) -> str:
        """A ``ModelForm``'s own field is named by the model's verbose name (lower case, as
        it reads inside a sentence); any other field by its form label."""
        field = self.fields[name]
        form_label = str(field.label) if field.label else name
        model = getattr(getattr(self, "_meta", None), "model", None)
        if model is None:
            return form_label
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a field of the form only
            return form_label

    def stale_changes(self, stale: StaleEdit) -> list[Any]:
        """The fields whose stored value differs from what was typed here, with the stored
        value. Something somebody stored exactly as typed here is not a difference."""
        stored = self.stored_initial(stale.current)
        changes = []
        for name in self.edited_fields():
            if name not in stored:
                continue
            field = self.fields[name]
            if field.has_changed(_minutes(stored[name]), self[name].data):
                changes.append(Change(name, self._label(name), shown(field, stored[name])))
        return changes

    def refuse(self, stale: StaleEdit) -> None:
        """Show the refused save: everything typed stays, the stored version goes into the
        hidden field, the refusal becomes the form's non-field error."""
        stale.changes = self.stale_changes(stale)
        self.stale = stale
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = str(stale.version)
        # render_to_string returns a SafeString: the error is shown as the partial rendered it
        html = render_to_string("editing/_stale.html", {"stale": stale, "what": self.stale_what})
        self.add_error(None, ValidationError(html, code="stale"))

    @property
    def is_stale(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="stale")
