"""django-axes under a Russian name in the administration (it showed as «AXES»).

In a module of its own: a second ``AppConfig`` in ``accounts/apps.py`` would make Django fall
back to a bare config for the accounts app."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login attempts and lockouts")
