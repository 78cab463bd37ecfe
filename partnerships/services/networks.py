"""Writes of networks."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from network_portal.audit.services import audit_log

from ..history import history_off, snapshot
from ..models import Network
from .partnerships import StalePartnershipError

# --- Networks ------------------------------------------------------------------------------


@transaction.atomic
def network_save(*, form: Any, actor: Any, version: int | None = None) -> Network:
    """Save a validated ``NetworkForm`` (the coordinator is always a member too).

    ``version`` is the version the editor saw; a network saved by somebody else since raises
    :class:`StalePartnershipError` and nothing is written."""
    network = form.instance
    if network.pk is not None:
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if version is not None and locked.version != version:
            raise StalePartnershipError(locked)
        network.version = locked.version + 1
    network.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    with history_off(network):
        network = form.save()
        network.members.add(network.coordinator)
    snapshot(network, actor=actor)
    audit_log(actor=actor, action="network.save", obj=network, model=network.model)
    return network
