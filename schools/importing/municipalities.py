"""Which municipality a row belongs to, for imports of a whole region (issue 14).

A region's file carries a municipality column written as the region writes it («г. Заречный»,
«Заречный район», «ЗАТО Северный»). Each row is looked up in the import's region by its
normalised name. Names that are only *close* to one in the registry («город Заречный» for
«г. Заречный», «Берёзовский р-н» for «Березовский район») are never matched and never created
silently: they are reported «похоже на …» so that a person decides. A new name is created only
when the import says so (``--create-municipalities`` or the wizard's confirmation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import Municipality, Region
from ..normalize import normalize_name

_SYNONYMS = (
    (r"\bгород(ской)?\s+округ\b", "го"),
    (r"\bгород\b|\bгор\b|\bг\b", "г"),
    (r"\bмуниципальный\s+район\b|\bмуниципальныйрайон\b", "район"),
    (r"\bр\s*н\b|\bрайон\b", "район"),
    (r"\bмуниципальный\s+округ\b|\bмо\b", "мо"),
    (r"\bзакрытое административно территориальное образование\b", "зато"),
    (r"\bпоселок городского типа\b|\bпгт\b|\bрп\b|\bрабочий поселок\b", "пгт"),
)


def close_key(name: str) -> str:
    """The name with its kind written one way and the words in order: «город Заречный»,
    «г. Заречный» and «Заречный г.» give one key; «Заречный район» another."""
    text = normalize_name(name).replace("-", " ")
    for pattern, replacement in _SYNONYMS:
        text = re.sub(pattern, replacement, text)
    return " ".join(sorted(text.split()))


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def _distance(a: str, b: str, *, limit: int) -> int:
    """Levenshtein distance, cut off above ``limit`` (a typo, not another name)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def similar_name(name: str, candidates: dict[str, str]) -> str | None:
    """The registry name ``name`` is close to but not equal to (``candidates``: normalised
    name → name as written), or ``None``."""
    key = close_key(name)
    normal = normalize_name(name)
    for other_normal, other in candidates.items():
        if other_normal == normal:
            continue
        other_key = close_key(other)
        if other_key == key:
            return other
        if _digits(other) != _digits(name):
            continue
        # A one-letter typo, in the name as written or with its kind written one way.
        if _distance(normal, other_normal, limit=1) <= 1:
            return other
        if len(key.split()) == len(other_key.split()) and _distance(key, other_key, limit=1) <= 1:
            return other
    return None


@dataclass
class MunicipalityLookup:
    """The municipalities an import may name, and the new names met in the file."""

    region: Region | None
    known: dict[str, Municipality]
    #: Municipalities of *other* regions by normalised name (a row naming one is refused).
    foreign: dict[str, Municipality] = field(default_factory=dict)
    create: bool = False
    #: New names in the file: normalised → {"name", "schools", "similar_to", "lines"}.
    new: dict[str, dict] = field(default_factory=dict)
    created: dict[str, Municipality] = field(default_factory=dict)
    #: Every name of the file's municipality column (normalised → as written), so that a
    #: short form («Центральный») finds the full one of another row.
    file_names: dict[str, str] = field(default_factory=dict)
    _found: dict[str, Municipality] = field(default_factory=dict)

    def prepare(self, names) -> None:
        for name in names:
            key = normalize_name(name)
            if key:
                self.file_names.setdefault(key, name)

    @classmethod
    def for_region(cls, region: Region | None, *, create: bool = False) -> MunicipalityLookup:
        municipalities = list(Municipality.objects.select_related("region"))
        known = {
            normalize_name(m.name): m
            for m in municipalities
            if region is None or m.region_id == region.pk
        }
        foreign = {
            normalize_name(m.name): m
            for m in municipalities
            if region is not None and m.region_id != region.pk
        }
        return cls(region=region, known=known, foreign=foreign, create=create)

    def find(self, text: str, line: int) -> tuple[Municipality | None, str]:
        """The row's municipality, or ``None`` and the Russian reason."""
        if text in self._found:  # a results file names each municipality thousands of times
            return self._found[text], ""
        found, reason = self._find(text, line)
        if found is not None and found.pk is not None:
            self._found[text] = found
        return found, reason

    def _find(self, text: str, line: int) -> tuple[Municipality | None, str]:
        key = normalize_name(text)
        if not key:
            return None, _("The municipality cell is empty.")
        if key in self.known:
            return self.known[key], ""
        # «Центральный» for «Центральный административный округ»: a unique prefix match.
        found = [m for name, m in self.known.items() if name.startswith(key + " ")]
        if len(found) == 1:
            return found[0], ""
        longer = [n for k, n in self.file_names.items() if k.startswith(key + " ")]
        if len(longer) == 1:
            return self._find(longer[0], line)
        if key in self.foreign:
            other = self.foreign[key]
            return None, _(
                "Municipality «%(name)s» belongs to the region «%(other)s», not to «%(region)s»: "
                "the file mixes two regions."
            ) % {"name": text, "other": other.region, "region": self.region}
        entry = self.new.get(key)
        if entry is None:
            similar = similar_name(text, {k: m.name for k, m in self.known.items()})
            if similar is None:
                others = {k: v["name"] for k, v in self.new.items() if not v["similar_to"]}
                similar = similar_name(text, others)
            entry = self.new[key] = {"name": text, "schools": 0, "similar_to": similar or ""}
        entry["schools"] += 1
        if entry["similar_to"]:
            return None, _(
                "Municipality «%(name)s» is not in the registry; it looks like «%(similar)s» "
                "(похоже на «%(similar)s»). Correct the name in the file or add the municipality."
            ) % {"name": text, "similar": entry["similar_to"]}
        if not self.create or self.region is None:
            return None, _("Municipality «%(value)s» is not in the registry.") % {"value": text}
        if key not in self.created:
            self.created[key] = Municipality(region=self.region, name=text[:200])
        return self.created[key], ""

    def new_list(self) -> list[dict]:
        """The new names with their school counts, for the preview and the dry run."""
        return sorted(self.new.values(), key=lambda e: (bool(e["similar_to"]), e["name"]))

    def save_created(self) -> None:
        """Create the new municipalities (inside the import's transaction)."""
        if self.created:
            Municipality.objects.bulk_create(list(self.created.values()))
            # SQLite and PostgreSQL both return the keys of a bulk insert.
