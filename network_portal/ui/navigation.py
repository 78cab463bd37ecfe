"""The main navigation: each role sees its sections (DOMAIN.md, "Who uses the portal").

Keep the URL names: the domain apps provide them. An item whose URL does not resolve yet is
left out rather than breaking every page.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from network_portal.access.policy import Scope
from network_portal.accounts.models import Role

from .addresses import fixed_url

ALL_ROLES = tuple(Role.values)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    #: who sees the item; ``None``: every signed-in user, with or without a role
    roles: tuple[str, ...] | None
    #: URL prefix that marks the item active
    prefix: str


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("ui:home", _("Home"), None, "/$"),
    NavItem(
        "schools:list",
        _("Schools"),
        (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR),
        "/schools/",
    ),
    NavItem(
        "diagnostics:index",
        _("Diagnostics"),
        (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR, Role.TEACHER),
        "/diagnostics/",
    ),
    NavItem(
        "partnerships:list",
        _("Partnerships"),
        (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR, Role.PARTNER),
        "/partnerships/",
    ),
    NavItem(
        "roadmaps:list",
        _("Roadmaps"),
        (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR, Role.PARTNER),
        "/roadmaps/",
    ),
    NavItem(
        "reports:monitoring",
        _("Monitoring"),
        (Role.COORDINATOR, Role.METHODOLOGIST),
        "/reports/monitoring/",
    ),
    NavItem("reports:commitments", _("My commitments"), (Role.PARTNER,), "/reports/commitments/"),
    NavItem("events:list", _("Events"), ALL_ROLES, "/events/"),
    NavItem("knowledge:practice_list", _("Practices and mentors"), ALL_ROLES, "/knowledge/"),
    NavItem("documents:list", _("My documents"), None, "/documents/"),
)


def navigation_for(scope: Scope, path: str) -> list[dict]:
    items = []
    for item in NAVIGATION:
        if item.roles is not None and not scope.has_role(*item.roles):
            continue
        try:
            url = fixed_url(item.url_name)  # reversed once per process
        except NoReverseMatch:
            continue
        active = path == "/" if item.prefix == "/$" else path.startswith(item.prefix)
        items.append({"url": url, "label": item.label, "active": active})
    return items
