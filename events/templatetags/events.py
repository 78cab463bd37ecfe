from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_hm(value: timedelta) -> str:
    """«2 ч 30 мин», «3 дня» for several days."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    if (days >= 1 and rest == 0) or days >= 2:
        days = days + (1 if rest else 0)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if mins:
        parts.append(_("%(n)d min") % {"n": mins})
    return " ".join(parts)
