"""``{% page_sections "partnership" obj %}``: the sections higher apps registered for a page
(``partnerships.sections``), rendered in place like ``{% include %}``."""

from django import template
from django.utils.html import format_html_join

from partnerships.sections import sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context, page: str, obj) -> str:
    request = context.get("request")
    if request is None:
        return ""
    engine = context.template.engine
    html = []
    for name, section_context in sections_for(page, request, obj):
        with context.push(**section_context):
            html.append(engine.get_template(name).render(context))
    # each part is a rendered template (already safe): joined without escaping it again
    return format_html_join("", "{}", ((part,) for part in html))
