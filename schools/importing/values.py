"""Cell values as people type them: decimal commas, spaces in numbers, ``№1234``, many quote
styles. Pure functions; each parser raises ``CellError`` with a Russian message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import OrganisationKind, Subject


class CellError(ValueError):
    pass


@dataclass
class Issue:
    line: int
    column: str
    message: str
    severity: str = "error"  # error | conflict | warning
    code: str = ""  # stable name of the check (tests, filters), e.g. "buildings"

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
            "code": self.code,
        }


_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def clean_text(value: str) -> str:
    """Single spaces (no-break spaces too), no spaces around; ``№1`` stays as typed."""
    if not value or value.isdigit():  # most cells of a results file: no regex needed
        return value or ""
    return _SPACES.sub(" ", value).strip()


def parse_decimal(value: str) -> Decimal | None:
    text = _SPACES.sub("", value or "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("«%(value)s» is not a number.") % {"value": value}) from exc
    if not number.is_finite():
        raise CellError(_("«%(value)s» is not a number.") % {"value": value})
    return number


def parse_count(value: str) -> int | None:
    if value.isascii() and value.isdigit():  # the usual case, no Decimal round trip
        return int(value)
    number = parse_decimal(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(_("The count cannot be negative: %(value)s.") % {"value": value})
    if number != number.to_integral_value():
        raise CellError(_("The count must be a whole number: %(value)s.") % {"value": value})
    return int(number)


def parse_year(value: str) -> int | None:
    """``2016``, ``2015-2016`` or ``2015/16`` → 2016 (the year the school year ends)."""
    text = clean_text(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})", text)
    if match:
        end = match.group(2)
        return int(end) if len(end) == 4 else int(match.group(1)[:2] + end)
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    raise CellError(_("«%(value)s» is not a year.") % {"value": value})


def parse_identifier(value: str) -> str:
    """Digits only (``77 01 234567`` and ``'7701234567`` are common in spreadsheets)."""
    text = re.sub(r"[\s\u00a0'\"]", "", value or "")
    if text.endswith(".0"):
        text = text[:-2]
    return text


_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    (OrganisationKind.GYMNASIUM, r"гимнази|лице[йяю]"),
    (OrganisationKind.COLLEGE, r"колледж|техникум|училищ|профессиональн"),
    (OrganisationKind.UNIVERSITY, r"университет|институт|академи|высшего"),
    (OrganisationKind.ADDITIONAL, r"дополнительного образования|творчеств"),
    (OrganisationKind.SPORT, r"спорт"),
    (OrganisationKind.CULTURE, r"культур|библиотек|музе"),
    (OrganisationKind.METHODICAL, r"методическ|ресурсн"),
)


def parse_kind(kind_text: str, name: str) -> str:
    """The kind from the kind column (a label, a code or words in it), else from the name."""
    text = clean_text(kind_text).lower()
    for choice in OrganisationKind:
        if text in (choice.value, str(choice.label).lower()):
            return choice.value
    name_text = clean_text(name).lower()
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, text):
            return kind
    # A general-education institution named «Колледж - XXI» is still a school; only a
    # gymnasium or lyceum is told apart by its name.
    if re.search(r"гимнази|лице[йяю]", name_text):
        return OrganisationKind.GYMNASIUM
    if re.search(r"общеобразовательн|школ", text):
        return OrganisationKind.SCHOOL
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, name_text):
            return kind
    return OrganisationKind.SCHOOL


_SUBJECTS: dict[str, str] = {
    "русскийязык": Subject.RUSSIAN,
    "русский": Subject.RUSSIAN,
    "russian": Subject.RUSSIAN,
    "математика": Subject.MATH,
    "math": Subject.MATH,
    "математикабазовая": Subject.MATH_BASE,
    "математикабазовыйуровень": Subject.MATH_BASE,
    "базоваяматематика": Subject.MATH_BASE,
    "математикапрофильная": Subject.MATH_PROFILE,
    "математикапрофильныйуровень": Subject.MATH_PROFILE,
    "профильнаяматематика": Subject.MATH_PROFILE,
    "физика": Subject.PHYSICS,
    "химия": Subject.CHEMISTRY,
    "биология": Subject.BIOLOGY,
    "география": Subject.GEOGRAPHY,
    "история": Subject.HISTORY,
    "обществознание": Subject.SOCIAL,
    "литература": Subject.LITERATURE,
    "информатика": Subject.INFORMATICS,
    "информатикаиикт": Subject.INFORMATICS,
    "английскийязык": Subject.ENGLISH,
    "иностранныйязык": Subject.FOREIGN,
    "окружающиймир": Subject.SURROUNDINGS,
    "всепредметы": Subject.TOTAL,
    "итого": Subject.TOTAL,
}


def parse_subject(value: str) -> str:
    text = re.sub(r"[^0-9a-zа-я]", "", (value or "").lower().replace("ё", "е"))
    if not text:
        return Subject.TOTAL
    found = _subject_of(text, get_language())
    if found is None:
        raise CellError(_("Unknown subject «%(value)s».") % {"value": value})
    return found


@lru_cache(maxsize=512)
def _subject_of(text: str, language: str | None) -> str | None:
    """Cached: a region's file names the same few subjects in 100,000 rows."""
    for choice in Subject:
        if text in (
            choice.value.replace("_", ""),
            re.sub(r"[^a-zа-я]", "", str(choice.label).lower()),
        ):
            return choice.value
    return _SUBJECTS.get(text)


_ABBREVIATIONS = (
    (r"государственное бюджетное общеобразовательное учреждение", "ГБОУ"),
    (r"государственное бюджетное образовательное учреждение", "ГБОУ"),
    (r"государственное автономное образовательное учреждение", "ГАОУ"),
    (r"государственное казенное образовательное учреждение", "ГКОУ"),
    (r"негосударственное образовательное учреждение", "НОУ"),
    (r"частное общеобразовательное учреждение", "ЧОУ"),
    (r"частное образовательное учреждение", "ЧОУ"),
    (r"автономная некоммерческая организация", "АНО"),
    (r"муниципальное бюджетное общеобразовательное учреждение", "МБОУ"),
    (r"муниципальное общеобразовательное бюджетное учреждение", "МОБУ"),
    (r"муниципальное автономное общеобразовательное учреждение", "МАОУ"),
    (r"муниципальное казенное общеобразовательное учреждение", "МКОУ"),
    (r"средняя общеобразовательная школа", "СОШ"),
    (r"основная общеобразовательная школа", "ООШ"),
    (r"начальная общеобразовательная школа", "НОШ"),
    (r"центр образования", "ЦО"),
    (r"города москвы", "г. Москвы"),
)


def abbreviate(full_name: str) -> str:
    """A short name for the lists when the file has none: the usual abbreviations."""
    text = clean_text(full_name).replace("ё", "е").replace("Ё", "Е")
    for pattern, short in _ABBREVIATIONS:
        text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    text = re.sub(r"№\s*(\d)", r"№ \1", text)
    return text[:200]


_YES = {"да", "1", "есть", "true", "yes", "+", "y", "д"}
_NO = {"нет", "0", "false", "no", "-", "n", "н"}


def parse_yes_no(value: str) -> bool | None:
    """«да»/«нет» (also 1/0, есть, +/-) → True/False; empty → None."""
    text = clean_text(value).lower().rstrip(".")
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("«%(value)s» is neither «да» nor «нет».") % {"value": value})


def parse_settlement(value: str) -> str:
    """«город», «ПГТ», «село» (and the usual variants) → ``SettlementType``; empty → ""."""
    text = re.sub(r"[^a-zа-я ]", "", clean_text(value).lower().replace("ё", "е")).strip()
    if not text:
        return ""
    if text in ("город", "г", "городская местность", "city") or text.startswith("город"):
        return "city"
    if text in ("пгт", "рп", "town") or text.startswith(("поселок городского", "рабочий посел")):
        return "town"
    if text.startswith(("сел", "деревн", "поселок", "посел", "аул", "станица", "хутор")) or (
        text in ("village", "д", "п")
    ):
        return "village"
    raise CellError(
        _("Unknown settlement type «%(value)s»: write «город», «ПГТ» or «село».") % {"value": value}
    )
