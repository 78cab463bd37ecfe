from typing import Any

from django.db.models import Model

from .models import AuditEvent


def audit_log(*, actor: Any, action: str, obj: Model, **data: Any) -> AuditEvent:
    """Record a sensitive action (category override, status change, role grant …).

    ``data`` holds the facts of the change (before/after, reason); never passwords or tokens.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        data=data,
    )
