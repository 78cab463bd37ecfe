"""Check digits of Russian organisation identifiers (ИНН, ОГРН). Pure functions."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    """ИНН of an organisation (10 digits) or a person (12 digits) with valid check digits."""
    if not value.isdigit():
        return False
    if len(value) == 10:
        return _inn_digit(value, _INN10) == int(value[9])
    if len(value) == 12:
        return _inn_digit(value, _INN12_1) == int(value[10]) and _inn_digit(value, _INN12_2) == int(
            value[11]
        )
    return False


def ogrn_is_valid(value: str) -> bool:
    """ОГРН (13 digits, mod 11) or ОГРНИП (15 digits, mod 13)."""
    if not value.isdigit():
        return False
    if len(value) == 13:
        return int(value[:12]) % 11 % 10 == int(value[12])
    if len(value) == 15:
        return int(value[:14]) % 13 % 10 == int(value[14])
    return False


def validate_inn(value: str) -> None:
    if value and not inn_is_valid(value):
        raise ValidationError(
            _("INN %(value)s is invalid: it must have 10 or 12 digits with a correct check digit."),
            code="invalid_inn",
            params={"value": value},
        )


def validate_ogrn(value: str) -> None:
    if value and not ogrn_is_valid(value):
        raise ValidationError(
            _("OGRN %(value)s is invalid: it must have 13 digits with a correct check digit."),
            code="invalid_ogrn",
            params={"value": value},
        )


#: A ФИС ОКО login: a prefix of letters (``sch`` school, ``ksh``, ``spo`` college …), the
#: region's two-digit code and the organisation's number: ``sch220028``.
_LOGIN = re.compile(r"[a-z]{2,5}\d{5,8}")


def normalize_login(value: str) -> str:
    """``' SCH220028 '`` → ``'sch220028'`` (logins are typed in any case)."""
    return (value or "").strip().lower()


def login_is_valid(value: str) -> bool:
    return bool(_LOGIN.fullmatch(value))


def login_region_code(value: str) -> str:
    """The region's two-digit code inside a login (``sch220028`` → ``'22'``)."""
    match = re.match(r"[a-z]+(\d{2})", value)
    return match.group(1) if match else ""


def validate_login(value: str) -> None:
    if value and not login_is_valid(value):
        raise ValidationError(
            _(
                "FIS OKO login %(value)s is invalid: it must be letters, the region's code and "
                "the number, e.g. sch220028."
            ),
            code="invalid_login",
            params={"value": value},
        )
