"""Ресурсы сетевой деятельности (seed 000)."""

from django.db import migrations

RESOURCES = [
    "Кадровые",
    "Информационные",
    "Материально-технические",
    "Учебно-методические",
    "Социальные",
]


def fill(apps, schema_editor):
    Resource = apps.get_model("partnerships", "ResourceKind")
    for order, name in enumerate(RESOURCES, start=1):
        Resource.objects.update_or_create(name=name, defaults={"order": order})


def unfill(apps, schema_editor):
    apps.get_model("partnerships", "ResourceKind").objects.filter(name__in=RESOURCES).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0004_fill_directions")]

    operations = [migrations.RunPython(fill, unfill)]
