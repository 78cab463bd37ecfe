"""The portal's form renderer (``settings.FORM_RENDERER``).

Django's own, with one change: a select's empty choice reads «—», as in every filter of the
portal, instead of Django's «---------» (``ModelChoiceField.empty_label`` and the blank choice of
a model field's choices), in every form at once. A field that names its empty choice
(«— выберите —», «Все муниципалитеты») keeps it.
"""

from __future__ import annotations

from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.renderers import DjangoTemplates

DJANGO_EMPTY = BLANK_CHOICE_DASH[0][1]  # «---------»
EMPTY = "—"


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget and "optgroups" in widget:
            for _group, options, _index in widget["optgroups"]:
                for option in options:
                    if option["label"] == DJANGO_EMPTY and option["value"] in ("", None):
                        option["label"] = EMPTY
        return super().render(template_name, context, request=request)
