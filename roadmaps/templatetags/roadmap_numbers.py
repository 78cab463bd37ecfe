"""``{{ value|number }}``: a target or actual value as Russian writes it («12,5», «10»)."""

from django import template

from roadmaps.rules import number_text

register = template.Library()


@register.filter
def number(value) -> str:
    return number_text(value)
