"""The client's address, read correctly behind the documented reverse proxy.

Behind ``PROXY_COUNT`` proxies (README «Deployment behind a proxy»), each proxy appends the
address it got the request from to ``X-Forwarded-For``; the client is therefore the
``PROXY_COUNT``-th entry from the right, whatever a client put in the header itself. With no
proxy (the default) the header is ignored: anyone can send it. When ``PROXY_TRUSTED_IPS`` is
set, the header is believed only from those peers (a request that bypassed the proxy counts
by its own address).

One function for every user of the address: django-axes (``AXES_CLIENT_IP_CALLABLE``), the
per-address login throttle and the password-reset throttle.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _peer_trusted(peer: str, trusted: list[str]) -> bool:
    if not trusted:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in trusted)


def client_ip(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR") or ""
    count = settings.PROXY_COUNT
    if count <= 0 or not _peer_trusted(peer, settings.PROXY_TRUSTED_IPS):
        return peer
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    if len(entries) < count:
        return peer
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return peer
