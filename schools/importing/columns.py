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
    "login": _("FIS OKO login"),
    "code": _("Regional code"),
    "kind": _("Kind of organisation"),
    "municipality": _("Municipality"),
    "district": _("District inside the municipality (checked, not stored)"),
    "address": _("Address"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "director_name": _("Director"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "website": _("Website"),
}

#: The ВПР context questionnaire of ФИС ОКО: stored in ``SchoolContext`` of the chosen year.
CONTEXT_FIELDS: dict[str, object] = {
    "students": _("Pupils"),
    **{
        f"pupils_{grade}": _("Pupils of grade %(grade)s") % {"grade": grade}
        for grade in (4, 5, 6, 7, 8)
    },
    "teachers": _("Teachers"),
    "teachers_highest_category": _("Teachers of the highest category"),
    "teachers_under_30": _("Teachers under 30"),
    "classrooms": _("Classrooms"),
    "computers_for_pupils": _("Computers for pupils"),
    "computers_with_internet": _("Computers for pupils with internet"),
    "internet_speed_mbps": _("Internet speed, Mbit/s"),
    "settlement_type": _("Settlement type"),
    "settlement_size": _("Settlement population"),
    "is_boarding": _("Boarding school"),
    "is_correctional": _("Correctional school"),
    "is_evening": _("Evening school"),
}
SCHOOL_FIELDS.update(CONTEXT_FIELDS)

RESULT_FIELDS: dict[str, object] = {
    "inn": _("INN"),
    "ogrn": _("OGRN"),
    "login": _("FIS OKO login"),
    "code": _("Regional code"),
    "full_name": _("Organisation name"),
    "municipality": _("Municipality"),
    "year": _("Year"),
    "subject": pgettext_lazy("school subject", "Subject"),
    "grade": _("Grade"),
    "participants": _("Participants"),
    "average_score": _("Average primary or test score"),
    "average_mark": _("Average mark (2–5)"),
    **{f"count_{m}": _("Marks «%(mark)s», count") % {"mark": m} for m in (2, 3, 4, 5)},
    **{f"share_{m}": _("Marks «%(mark)s», share %%") % {"mark": m} for m in (2, 3, 4, 5)},
    "below_threshold": _("Below the threshold"),
    "high_results": _("High results"),
    "middle_or_above": _("At or above the middle band"),
}

IDENTIFIER_FIELDS = ("inn", "ogrn", "login", "code", "full_name")

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
    "login": (
        "логинфисоко",
        "логиноо",
        "логин",
        "login",
        "логиноофисоко",
        "логинвфисоко",
        "логиншколы",
    ),
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
        "наименованиемо",
        "наименованиемуниципалитета",
        "муниципальныйрайонгородскойокруг",
        "мо",
        "район",
        "municipality",
    ),
    # Moscow's files: the administrative okrug is inside the one municipality «Москва».
    "district": ("округ", "административныйокруг", "okrug", "admarea"),
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
    "average_score": (
        "среднийбалл",
        "средний",
        "среднийпервичныйбалл",
        "среднийтестовыйбалл",
        "average",
        "averagescore",
        "avg",
    ),
    "average_mark": (
        "среднийбаллотметка",
        "средняяотметка",
        "отметкасредняя",
        "среднийбалпоотметке",
        "averagemark",
    ),
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
    "students": ("количествообучающихся", "числообучающихся", "обучающихся", "контингент"),
    "teachers": (
        "количествопедагогическихработников",
        "числопедагогическихработников",
        "количествопедагогов",
        "числопедагогов",
        "педагогов",
        "учителей",
        "teachers",
    ),
    "teachers_highest_category": (
        "педагоговвысшейкатегории",
        "изнихвысшейкатегории",
        "учителейвысшейкатегории",
        "высшаякатегория",
    ),
    "teachers_under_30": (
        "педагоговмоложе30лет",
        "педагоговдо30лет",
        "учителеймоложе30лет",
        "изнихмоложе30лет",
        "моложе30лет",
    ),
    "classrooms": ("количествоучебныхкабинетов", "учебныхкабинетов", "кабинетов"),
    "computers_for_pupils": (
        "компьютеровдляобучающихся",
        "количествокомпьютеровдляобучающихся",
        "компьютеров",
    ),
    "computers_with_internet": (
        "компьютеровсдоступомвинтернет",
        "изнихсдоступомвинтернет",
        "компьютеровсинтернетом",
    ),
    "internet_speed_mbps": ("скоростьинтернетамбитс", "скоростьинтернета", "скоростьинтернетмбитс"),
    "settlement_type": ("типнаселенногопункта", "типпоселения", "местонахождение", "городсело"),
    "settlement_size": (
        "численностьнаселениянаселенногопункта",
        "численностьнаселения",
        "населениенаселенногопункта",
    ),
    "is_boarding": ("школаинтернат", "интернат", "наличиеинтерната"),
    "is_correctional": ("коррекционнаяшкола", "коррекционная", "коррекционнаяоо"),
    "is_evening": ("вечерняяшкола", "вечерняя", "вечерняясменнаяшкола"),
}

_HEADER_TO_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def normalize_header(header: str) -> str:
    return re.sub(r"[^0-9a-zа-я]", "", header.lower().replace("ё", "е"))


def fields_for(kind: str) -> dict[str, object]:
    return SCHOOL_FIELDS if kind == "schools" else RESULT_FIELDS


def parse_map_options(options: list[str], kind: str) -> dict[str, str]:
    """``--map "Заголовок=поле"`` (repeatable) → ``{field: header}``; ``ValueError`` with a
    Russian message for an unknown field. ``поле`` is the field's name (``count_2``) or
    ``-`` to leave the column out."""
    wanted = fields_for(kind)
    result: dict[str, str] = {}
    for option in options:
        header, sep, name = option.rpartition("=")
        header, name = header.strip(), name.strip()
        if not sep or not header:
            raise ValueError(_("--map needs «Header=field»: %(value)s") % {"value": option})
        if name == "-":
            result[f"-{header}"] = header
            continue
        if name not in wanted:
            raise ValueError(
                _("Unknown field «%(name)s»; known fields: %(known)s")
                % {"name": name, "known": ", ".join(wanted)}
            )
        result[name] = header
    return result


def apply_map_options(mapping: dict[str, str], options: dict[str, str]) -> dict[str, str]:
    """The guessed mapping with ``--map`` options on top (``-Header`` unmaps a column)."""
    merged = dict(mapping)
    for name, header in options.items():
        if name.startswith("-"):
            merged = {f: h for f, h in merged.items() if h != header}
            continue
        merged = {f: h for f, h in merged.items() if h != header}
        merged[name] = header
    return merged


def unused_headers(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """The file's columns no field takes (the preview lists them as «не используется»)."""
    used = set(mapping.values())
    return [h for h in headers if h and h not in used]


_MARK = re.compile(r"(число|количество|колво|кол|доля|процент)?([2-5])")
_GRADE_PUPILS = re.compile(r"(количество|число)?обучающихся([4-8])(х)?(классов|класса|класс|кл)")


def field_for_header(header: str) -> str | None:
    """The field a header names, or ``None``. Marks: ``Число «2»``, ``«2»``, ``2`` and
    ``Кол-во "2"`` are counts; ``Доля «2», %`` and ``% «2»`` are shares."""
    key = normalize_header(header)
    mark = _MARK.fullmatch(key)
    if mark:
        is_share = mark.group(1) in ("доля", "процент") or "%" in header
        return f"{'share' if is_share else 'count'}_{mark.group(2)}"
    grade = _GRADE_PUPILS.fullmatch(key)
    if grade:
        return f"pupils_{grade.group(2)}"
    return _HEADER_TO_FIELD.get(key)


def guess_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """Field -> header for every header recognised; the first header wins for a field."""
    wanted = fields_for(kind)
    mapping: dict[str, str] = {}
    for header in headers:
        field = field_for_header(header)
        if field == "short_name" and kind != "schools":
            continue
        if field in wanted and field not in mapping:
            mapping[field] = header
    # «Наименование ОО» with «Полное наименование ОО» beside it is the short name.
    full = [h for h in headers if normalize_header(h).startswith("полноенаименование")]
    if kind == "schools" and full and mapping.get("full_name") not in full:
        if "short_name" not in mapping and mapping.get("full_name"):
            mapping["short_name"] = mapping["full_name"]
        mapping["full_name"] = full[0]
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
