"""Who may move a partnership or an agreement from one status to another: one pure table each.

DOMAIN.md: предложена → согласована → действует → завершена / расторгнута. The methodologist
of the municipality (or the regional coordinator) proposes, approves, starts, completes and
terminates; the directors of the member schools and the representatives of member partners
*agree* on behalf of their organisation — when every member has agreed, the partnership is
agreed. Terminating always needs a written reason. Agreements: проект → подписано (only with
the signed scan uploaded) → истекло (after the term, by the nightly task) / расторгнуто.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import AgreementStatus, PartnershipStatus

#: the methodologist of the municipality, the coordinator of the region, an administrator
TERRITORY = "territory"
#: the director of a member school or the representative of a member partner
MEMBER = "member"
#: the system itself (a scheduled task)
SYSTEM = "system"


class TransitionError(Exception):
    """A transition that is not allowed; the message is shown to the user."""


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    needs_reason: bool = False
    style: str = "primary"


def _t(action, label, sources, target, actors, **kw) -> tuple[str, Transition]:
    return action, Transition(action, label, frozenset(sources), target, frozenset(actors), **kw)


P = PartnershipStatus
PARTNERSHIP_TRANSITIONS: dict[str, Transition] = dict(
    [
        _t("agree", _("Agree on behalf of my organisation"), [P.PROPOSED], P.AGREED, [MEMBER]),
        _t("approve", _("Approve"), [P.PROPOSED], P.AGREED, [TERRITORY]),
        _t("start", _("Start the work"), [P.AGREED], P.ACTIVE, [TERRITORY]),
        _t("complete", _("Complete"), [P.ACTIVE], P.COMPLETED, [TERRITORY], style="success"),
        _t(
            "terminate",
            _("Terminate"),
            [P.PROPOSED, P.AGREED, P.ACTIVE],
            P.TERMINATED,
            [TERRITORY],
            needs_reason=True,
            style="danger",
        ),
    ]
)

A = AgreementStatus
AGREEMENT_TRANSITIONS: dict[str, Transition] = dict(
    [
        _t("sign", _("Mark as signed"), [A.DRAFT], A.SIGNED, [TERRITORY]),
        _t("expire", _("Mark as expired"), [A.SIGNED], A.EXPIRED, [TERRITORY, SYSTEM]),
        _t(
            "terminate",
            _("Terminate"),
            [A.DRAFT, A.SIGNED],
            A.TERMINATED,
            [TERRITORY],
            needs_reason=True,
            style="danger",
        ),
    ]
)


def available(
    table: dict[str, Transition], *, status: str, actors: Iterable[str]
) -> list[Transition]:
    """The transitions the actor may start from the status, in table order."""
    actors = set(actors)
    return [t for t in table.values() if status in t.sources and t.actors & actors]


def check(
    table: dict[str, Transition], *, action: str, status: str, actors: Iterable[str], reason: str
) -> Transition:
    """The transition for an action, or :class:`TransitionError` with a message in Russian."""
    transition = table.get(action)
    if transition is None:
        raise TransitionError(_("Unknown action."))
    if status not in transition.sources:
        raise TransitionError(_("This action is not possible in the current status."))
    if not transition.actors & set(actors):
        raise TransitionError(_("You may not perform this action."))
    if transition.needs_reason and not reason.strip():
        raise TransitionError(_("Give the reason."))
    return transition


def all_members_agreed(agreed: Iterable[bool]) -> bool:
    """A partnership proposed to several organisations is agreed when each of them agreed."""
    agreed = list(agreed)
    return bool(agreed) and all(agreed)
