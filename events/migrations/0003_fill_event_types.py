"""Kinds of network events from DOMAIN.md (Network event) and seeds 001, 003, 004."""

from django.db import migrations

EVENT_TYPES = [
    ("seminar", "Семинар"),
    ("master-class", "Мастер-класс"),
    ("open-lesson", "Открытый урок"),
    ("methodical-day", "Методический день"),
    ("webinar", "Вебинар"),
    ("conference", "Конференция"),
    ("teachers-council", "Педагогический совет"),
    ("parents-meeting", "Родительское собрание"),
    ("olympiad", "Олимпиада"),
    ("contest", "Конкурс"),
    ("festival", "Фестиваль"),
    ("seasonal-school", "Летняя (зимняя) школа"),
    ("internship", "Стажировка"),
    ("methodical-landing", "Методический десант"),
    ("expedition", "Экспедиция по адресам педагогического опыта"),
    ("permanent-seminar", "Постоянно действующий семинар"),
    ("consultation", "Консультация"),
    ("mutual-visits", "Взаимопосещение уроков"),
]


def fill(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    for position, (code, name) in enumerate(EVENT_TYPES, start=1):
        EventType.objects.update_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


def unfill(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    EventType.objects.filter(code__in=[code for code, _ in EVENT_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0002_event_details_registration_queue_materials_reports")]

    operations = [migrations.RunPython(fill, unfill)]
