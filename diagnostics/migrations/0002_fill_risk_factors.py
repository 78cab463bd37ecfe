"""The ten risk factors of the federal «500+» programme (seed 001, DOMAIN.md)."""

from django.db import migrations

RISK_FACTORS = [
    (1, "Низкий уровень оснащения школы", "Оснащение"),
    (2, "Дефицит педагогических кадров", "Кадровый дефицит"),
    (
        3,
        "Недостаточная предметная и методическая компетентность педагогических работников",
        "Компетентность педагогов",
    ),
    (4, "Риски низкой адаптивности учебного процесса", "Адаптивность обучения"),
    (
        5,
        "Несформированность внутришкольной системы повышения квалификации",
        "Повышение квалификации",
    ),
    (6, "Высокая доля обучающихся с рисками учебной неуспешности", "Учебная неуспешность"),
    (7, "Низкое качество преодоления языковых и культурных барьеров", "Языковые барьеры"),
    (
        8,
        "Пониженный уровень качества школьной образовательной и воспитательной среды",
        "Образовательная среда",
    ),
    (9, "Высокая доля обучающихся с ОВЗ", "Обучающиеся с ОВЗ"),
    (10, "Низкий уровень вовлечённости родителей", "Вовлечённость родителей"),
]


def fill(apps, schema_editor):
    RiskFactor = apps.get_model("diagnostics", "RiskFactor")
    for code, name, short_name in RISK_FACTORS:
        RiskFactor.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short_name}
        )


def unfill(apps, schema_editor):
    apps.get_model("diagnostics", "RiskFactor").objects.filter(
        code__in=[code for code, _, _ in RISK_FACTORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]

    operations = [migrations.RunPython(fill, unfill)]
