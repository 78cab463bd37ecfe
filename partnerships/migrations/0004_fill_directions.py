"""Направления сетевого взаимодействия (seed 000)."""

from django.db import migrations

DIRECTIONS = [
    "Сетевые формы образовательных программ",
    "Использование материальных ресурсов",
    "Штатное расписание (кадры)",
    "Финансовая составляющая",
]


def fill(apps, schema_editor):
    Direction = apps.get_model("partnerships", "Direction")
    for order, name in enumerate(DIRECTIONS, start=1):
        Direction.objects.update_or_create(name=name, defaults={"order": order})


def unfill(apps, schema_editor):
    apps.get_model("partnerships", "Direction").objects.filter(name__in=DIRECTIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0003_fill_forms_of_interaction")]

    operations = [migrations.RunPython(fill, unfill)]
