"""The Russian wording of Django admin's generic labels.

Django's own Russian catalog puts a model's name in the nominative after a verb: «Добавить
пользователь», «Добавить еще один Назначение роли», «Выберите назначение роли для изменения».
The root catalog (``LOCALE_PATHS``, read before Django's) translates these msgids with the name
after a colon, which reads right for every model and gender. They are listed here so that
``makemessages`` keeps them in the root catalog; nothing imports this module.
"""

from django.utils.translation import gettext_noop

ADMIN_LABELS = (
    gettext_noop("Add %(name)s"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
)
