"""Validators of the text of names: a person's name or a document title is one line."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def has_control_characters(value: str) -> bool:
    """True when the text holds a control or format character (newline, tab, NUL, bidi)."""
    return any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in value)


def validate_no_control_characters(value: str) -> None:
    """Refuse line breaks and other control characters in a name or a title."""
    if value and has_control_characters(value):
        raise ValidationError(
            _("Use a single line without control characters (line breaks, tabs)."),
            code="control_characters",
        )
