"""The risk level in running text: ``{% load levels %}{{ level|level_word }}`` → «высокий».

The word is the label of :class:`diagnostics.models.Level` in lower case, so the level
vocabulary has one translation (the diagnostics catalog) wherever it is printed."""

from django import template

from diagnostics.models import Level

register = template.Library()


@register.filter
def level_word(value: str) -> str:
    """The level's word in lower case; an unknown value as it is."""
    try:
        return str(Level(value).label).lower()
    except ValueError:
        return value
