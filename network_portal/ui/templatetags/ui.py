from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter(name="safe_href")
def safe_href_filter(value) -> str:
    """``href="{{ x|safe_href }}"``: an http(s) address, or "" (see ``ui.links``)."""
    from network_portal.ui.links import safe_href

    return safe_href(value)
