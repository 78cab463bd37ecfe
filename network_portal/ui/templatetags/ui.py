import functools
from urllib.parse import urlencode

from django import template
from django.utils.safestring import mark_safe

from network_portal.ui.addresses import fixed_url
from network_portal.ui.escaping import escaped

register = template.Library()


@register.simple_tag(name="fixed_url")
def fixed_url_tag(name: str) -> str:
    """``{% url name %}`` for a view without arguments, reversed once per process
    (``network_portal.ui.addresses``): the layout's and the lists' fixed links."""
    return fixed_url(name)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sorting):
    ``QueryDict.urlencode`` of ``GET.copy()`` so changed, without the copy's deep copy of every
    value (a list's sort links and pages ask it ten times a page)."""
    query = dict(context["request"].GET.lists())
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = [value]
    return urlencode([(key, str(value)) for key, values in query.items() for value in values])


@register.simple_tag
def options(choices, selected) -> str:
    """The ``<option>`` elements of (value, label) pairs, the one whose value is ``selected``
    (compared as text) marked ``selected``, in one call: a ``{% for %}`` with an ``{% if %}``
    per option renders a list of sixty municipalities node by node (issue 17, item 5). The
    same texts give the same elements: kept per process (``_options``), not escaped anew."""
    return _options(tuple((str(value), str(label)) for value, label in choices), str(selected))


@functools.lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], current: str) -> str:
    return mark_safe(  # noqa: S308 — every value and label is escaped
        "".join(
            f'<option value="{escaped(value)}"'
            f"{' selected' if value == current else ''}>{escaped(label)}</option>"
            for value, label in choices
        )
    )


@register.filter(name="safe_href")
def safe_href_filter(value) -> str:
    """``href="{{ x|safe_href }}"``: an http(s) address, or "" (see ``ui.links``)."""
    from network_portal.ui.links import safe_href

    return safe_href(value)


@register.simple_tag
def figure_help(key: str) -> str:
    """A line under a figure saying exactly what it counts (``network_portal.ui.figures``)."""
    from django.utils.html import format_html

    from network_portal.ui.figures import figure_definition

    return format_html(
        '<small class="d-block text-body-secondary figure-help">{}</small>',
        figure_definition(key),
    )


@register.simple_tag
def figure_title(key: str) -> str:
    """The definition of a figure as plain text, for a ``title`` attribute (a tooltip)."""
    from network_portal.ui.figures import figure_definition

    return figure_definition(key)
