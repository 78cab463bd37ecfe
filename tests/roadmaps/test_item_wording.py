"""A roadmap item is a «пункт» everywhere: on the roadmap page, in reports, reminders and the
partner's commitments. «Мероприятие» is the item's measure field and a network event (DOMAIN.md),
so calling items «мероприятия» next to the «Мероприятия» menu mixed two things."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from roadmaps.models import RoadmapItem

CATALOGS = sorted(
    path
    for path in Path(settings.BASE_DIR).glob("**/locale/ru/LC_MESSAGES/django.po")
    if ".venv" not in path.parts
)


def test_roadmap_items_are_never_translated_as_events():
    assert CATALOGS
    mixed = []
    for path in CATALOGS:
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not re.search(r"\bitems?\b", entry.msgid, re.IGNORECASE):
                continue
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            # «мероприятия» may still be the events next to the items, never the items alone
            if any("мероприят" in t.lower() and "пункт" not in t.lower() for t in texts):
                mixed.append(f"{path.parent.parent.parent.parent.name}: {entry.msgid}")
    assert not mixed, "roadmap items called «мероприятия»:\n" + "\n".join(mixed)


@pytest.mark.django_db
def test_director_reads_items_closed_without_confirmation_in_russian(rm, users, client_for):
    RoadmapItem.objects.filter(pk__in=[rm.own.pk, rm.shared.pk]).update(status="unconfirmed")
    page = client_for(users.director).get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
    text = page.content.decode()
    assert "2 пункта выполнены без подтверждения" in text
    assert "выполненные пункты из всех пунктов дорожных карт" in text
