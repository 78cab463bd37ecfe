"""``{% slot "name" obj %}``: the parts higher apps contributed to a page's slot
(``network_portal.ui.slots``), rendered in place."""

from django import template
from django.utils.html import format_html_join

from network_portal.ui import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, obj) -> str:
    request = context.get("request")
    if request is None:
        return ""
    engine = context.template.engine
    html = []
    for part in slots.fill(name, request, obj):
        if "html" in part:
            html.append(part["html"])
            continue
        with context.push(**part["context"]):
            html.append(engine.get_template(part["template"]).render(context))
    # each part is a rendered template (already safe): joined without escaping it again
    return format_html_join("", "{}", ((part,) for part in html))
