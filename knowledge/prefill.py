"""«Описать практику»: a practice's form pre-filled from a completed partnership or a network
event with a report. Only initial values — nothing is saved, nothing published, until people
write, submit and a methodologist reviews it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _


def _months(start, end) -> int | None:
    if not start or not end:
        return None
    return max(1, round((end - start).days / 30))


def from_partnership(partnership) -> dict[str, Any]:
    members = list(partnership.members.all())
    supported = [m.organisation.short_name for m in members if m.role == "supported"]
    [m.organisation.short_name for m in members if m.role != "supported"]
    factors = list(partnership.risk_factors.all())
    forms = list(partnership.forms.all())
    events = list(
        partnership.events.filter(status="held")
        .order_by("starts_at")
        .values_list("title", flat=True)
    )
    problem = _("Risk factors of %(schools)s: %(factors)s.") % {
        "schools": ", ".join(supported) or "—",
        "factors": "; ".join(f.name for f in factors) or "—",
    }
    actions = [partnership.description] if partnership.description else []
    if forms:
        actions.append(
            _("Forms of interaction: %(forms)s.") % {"forms": "; ".join(f.name for f in forms)}
        )
    if events:
        actions.append(_("Events held: %(events)s.") % {"events": "; ".join(events[:20])})
    return {
        "title": partnership.title,
        "municipality": partnership.municipality_id,
        "problem": problem,
        "risk_factors": [f.pk for f in factors],
        "forms": [f.pk for f in forms],
        "actions": "\n".join(actions),
        "duration_months": _months(partnership.start_date, partnership.end_date),
        "author_organisations": [m.organisation_id for m in members],
        "results": "",
    }


def from_event(event) -> dict[str, Any]:
    report = event.report
    initial = from_partnership(event.partnership) if event.partnership_id else {}
    date = timezone.localdate(event.starts_at)
    actions = "\n".join(
        p for p in [event.description, report.summary, initial.get("actions", "")] if p
    )
    return initial | {
        "title": event.title,
        "municipality": event.municipality_id,
        "problem": initial.get("problem") or "; ".join(f.name for f in event.risk_factors.all()),
        "risk_factors": [f.pk for f in event.risk_factors.all()],
        "actions": actions,
        "results": report.results,
        "author_organisations": sorted(
            set(initial.get("author_organisations", [])) | {event.organiser_id}
        ),
        "duration_months": initial.get("duration_months") or 1,
        "measure": _("%(type)s «%(title)s» (held on %(date)s)")
        % {
            "type": event.event_type.name if event.event_type_id else "",
            "title": event.title,
            "date": date.strftime("%d.%m.%Y"),
        },
    }
