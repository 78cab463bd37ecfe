"""Writes of networks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from network_portal.audit.services import audit_log
from network_portal.editing import claim

from ..history import history_off, snapshot
from ..models import Network

#: The fields of a network its editor sets (``members`` apart: a many-to-many).
NETWORK_FIELDS = ("name", "model", "municipality", "coordinator", "description")


@transaction.atomic
def network_save(
    *,
    data: Mapping[str, Any],
    actor: Any,
    network: Network | None = None,
    version: int | None = None,
) -> Network:
    """Create a network (``network`` ``None``) or edit it from validated ``data`` (the
    cleaned data of a ``NetworkForm``: :data:`NETWORK_FIELDS` and ``members``). The
    coordinator is always a member too.

    ``version`` is the version the editor saw (``network_portal.editing``; by default the
    version of ``network`` as passed in); a network saved by somebody else since raises
    :class:`~network_portal.editing.StaleEdit` and nothing is written."""
    if network is None:
        network = Network()
    else:
        claim(network, seen=version)
    for name in NETWORK_FIELDS:
        setattr(network, name, data[name])
    network.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    with history_off(network):
        network.save()
        network.members.set(data.get("members") or ())
        network.members.add(network.coordinator)
    snapshot(network, actor=actor)
    audit_log(actor=actor, action="network.save", obj=network, model=network.model)
    return network
