"""Which column of a file holds which field: header names recognised in Russian and English.

The mapping is ``{field: header}``; the wizard shows it and the user may change it, and the
mapping a municipality used last time is offered again (``ColumnMapping``).

The Moscow ЕГЭ file (data.mos.ru 7719028495, «Результаты ЕГЭ») has a column
``PASSER_UNDER_160`` that, despite its name, counts graduates with **160 points or more** over
three subjects: in all 626 rows ``PASSES_OVER_220 <= PASSER_UNDER_160 <= PASSED_NUMBER_FULL``,
and in 146 rows ``PASSES_OVER_220 + PASSER_UNDER_160`` exceeds the number of graduates, which
is impossible for a count below 160 (``tests/data/moscow/README.md``). We therefore map it
to ``middle_or_above`` and never to ``below_threshold``: storing it as "below the threshold"
would brand the strongest Moscow schools as failing. The file has no below-threshold figure at
all, so its rows give the ЕГЭ total (subject «Все предметы») without one.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SCHOOL_FIELDS: dict[str, object] = {
    "full_name": _("Full name"),
    "short_name": _("Short name"),
    "inn": _("INN"),
    "ogrn": _("OGRN"),
    "code": _("Regional code"),
    "kind": _("Kind of organisation"),
    "municipality": _("Municipality / district"),
    "address": _("Address"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "director_name": _("Director"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "website": _("Website"),
}

RESULT_FIELDS: dict[str, object] = {
    "inn": _("INN"),
    "ogrn": _("OGRN"),
    "code": _("Regional code"),
    "full_name": _("Organisation name"),
    "year": _("Year"),
    "subject": pgettext_lazy("school subject", "Subject"),
    "grade": _("Grade"),
    "participants": _("Participants"),
    "average_score": _("Average score"),
    "below_threshold": _("Below the threshold"),
    "high_results": _("High results"),
    "middle_or_above": _("At or above the middle band"),
}

IDENTIFIER_FIELDS = ("inn", "ogrn", "code", "full_name")

# Normalised header -> field. Normalisation: lower case, ё→е, only letters and digits.
_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": (
        "наименование",
        "полноенаименование",
        "наименованиеоо",
        "наименованиеорганизации",
        "названиеорганизации",
        "название",
        "организация",
        "образовательнаяорганизация",
        "оо",
        "школа",
        "name",
        "fullname",
        "eduname",
        "organisation",
        "organization",
        "school",
    ),
    "short_name": ("краткоенаименование", "сокращенноенаименование", "shortname"),
    "inn": ("инн", "инноо", "inn"),
    "ogrn": ("огрн", "ogrn"),
    "code": ("код", "кодоо", "регионкод", "региональныйкод", "кодорганизации", "code"),
    "kind": (
        "тип",
        "типоо",
        "вид",
        "видоо",
        "видорганизации",
        "kind",
        "type",
        "tipuchrezhdeniya",
        "viduchrezhdeniya",
        "viduchrezhdeniyz",
    ),
    "municipality": (
        "муниципалитет",
        "муниципальноеобразование",
        "муниципальныйрайон",
        "муниципальныйокруг",
        "мо",
        "округ",
        "municipality",
        "okrug",
        "admarea",
    ),
    "address": ("адрес", "юридическийадрес", "фактическийадрес", "address", "adress"),
    "latitude": ("широта", "lat", "latitude", "y"),
    "longitude": ("долгота", "lon", "lng", "longitude", "x"),
    "director_name": ("директор", "руководитель", "фиоруководителя", "фиодиректора", "director"),
    "phone": ("телефон", "тел", "phone", "telephone"),
    "email": ("email", "эп", "электроннаяпочта", "почта", "mail"),
    "website": ("сайт", "website", "web", "url", "site"),
    "year": ("год", "year", "учебныйгод"),
    "subject": ("предмет", "subject"),
    "grade": ("класс", "grade", "параллель"),
    "participants": (
        "участники",
        "участников",
        "количествоучастников",
        "писали",
        "сдавали",
        "participants",
        "passednumberfull",
    ),
    "average_score": ("среднийбалл", "средний", "average", "averagescore", "avg"),
    "below_threshold": (
        "непреодолелипорог",
        "непреодолевшиепорог",
        "нижепорога",
        "непреодолели",
        "двойки",
        "below",
        "belowthreshold",
    ),
    "high_results": (
        "высокиерезультаты",
        "высокийбалл",
        "высокие",
        "high",
        "highresults",
        "passesover220",
    ),
    # See the module docstring: the Moscow column is misnamed and counts 160 or more.
    "middle_or_above": ("passerunder160", "passesover160", "160иболее", "неменее160"),
}

_HEADER_TO_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def normalize_header(header: str) -> str:
    return re.sub(r"[^0-9a-zа-я]", "", header.lower().replace("ё", "е"))


def fields_for(kind: str) -> dict[str, object]:
    return SCHOOL_FIELDS if kind == "schools" else RESULT_FIELDS


def guess_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """Field -> header for every header recognised; the first header wins for a field."""
    wanted = fields_for(kind)
    mapping: dict[str, str] = {}
    for header in headers:
        field = _HEADER_TO_FIELD.get(normalize_header(header))
        if field == "short_name" and kind != "schools":
            continue
        if field in wanted and field not in mapping:
            mapping[field] = header
    return mapping


def merge_saved_mapping(
    headers: list[str], guessed: dict[str, str], saved: dict[str, str] | None
) -> dict[str, str]:
    """The municipality's saved mapping where its headers exist in this file, else the guess."""
    if not saved:
        return guessed
    merged = dict(guessed)
    for field, header in saved.items():
        if header in headers:
            merged[field] = header
        elif header == "":
            merged.pop(field, None)
    return merged
