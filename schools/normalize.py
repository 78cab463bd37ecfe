"""Normalisation of organisation names for matching imported rows (pure functions)."""

import re

_QUOTES = re.compile(r"[\"'«»“”„‟‹›`]")
_NUMBER_SIGN = re.compile(r"№\s*")
_PUNCT = re.compile(r"[^\w№ ]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Case, quote characters, punctuation and spacing ignored; "№1" equals "№ 1"."""
    text = (name or "").replace("\u00a0", " ").lower().replace("ё", "е")
    text = _QUOTES.sub(" ", text)
    text = _NUMBER_SIGN.sub("№ ", text)
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


_DIGITS = re.compile(r"\d+")


def sort_key(name: str) -> str:
    """A key that sorts names as people read them: «СОШ № 2» before «СОШ № 16»."""
    return _DIGITS.sub(lambda m: m.group().zfill(6), normalize_name(name))[:200]
