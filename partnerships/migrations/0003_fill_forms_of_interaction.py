"""Формы взаимодействия of seeds 000 and 003 (DOMAIN.md: Partnership)."""

from django.db import migrations

FORMS = [
    "Совместная разработка и реализация учебных планов и образовательных программ",
    "Единые формы контроля и оценки качества образовательных результатов",
    "Методические дни",
    "Консультации",
    "Семинары",
    "Совместные педагогические советы",
    "Совместные родительские собрания",
    "Совместные мероприятия с детьми (конкурсы, олимпиады, соревнования, проекты)",
    "Взаимопосещение уроков с обсуждением",
    "Преподавание в классах школ-партнёров",
    "Стажировки",
    "Наставничество",
    "Методический десант",
    "Постоянно действующий семинар",
    "Кросс-функциональные команды",
    "«Педагог–педагогу»",
    "«Опытные–молодым»",
    "Экспедиция по адресам педагогического опыта",
    "Совместное пользование ресурсами (библиотека, компьютерный класс, спортзал, оборудование)",
    "Дистанционные модули",
    "Вебинары",
    "Летние и зимние школы",
    "Единые подходы к экспертизе профессиональной компетентности при аттестации педагогов",
]


def fill(apps, schema_editor):
    Form = apps.get_model("partnerships", "FormOfInteraction")
    for order, name in enumerate(FORMS, start=1):
        Form.objects.update_or_create(name=name, defaults={"order": order})


def unfill(apps, schema_editor):
    apps.get_model("partnerships", "FormOfInteraction").objects.filter(name__in=FORMS).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0002_networks_strengths_plans_agreements")]

    operations = [migrations.RunPython(fill, unfill)]
