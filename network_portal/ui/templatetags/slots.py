"""``{% slot "name" obj %}``: the parts higher apps contributed to a page's slot
(``network_portal.ui.slots``), rendered in place.

``{% slot "name" obj frame="app/page.html#part" %}``: each part is rendered through the page's
own ``frame`` template instead (a heading around it, say), which sees the part as ``part`` —
``key``, ``title``, ``template``, ``context`` and, for an isolated slot, ``html``."""

from django import template
from django.utils.html import format_html_join

from network_portal.ui import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, obj, frame: str = "") -> str:
    request = context.get("request")
    if request is None:
        return ""
    engine = context.template.engine
    html = []
    for part in slots.fill(name, request, obj):
        if frame:
            with context.push(part=part):
                html.append(engine.get_template(frame).render(context))
        elif "html" in part:
            html.append(part["html"])
        else:
            with context.push(**part["context"]):
                html.append(engine.get_template(part["template"]).render(context))
    # each part is a rendered template (already safe): joined without escaping it again
    return format_html_join("", "{}", ((part,) for part in html))
