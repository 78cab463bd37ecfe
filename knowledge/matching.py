"""Suggesting mentors for a school, explained like partner matching (``partnerships.matching``).

A school's wants are its high-risk factors (the newest risk profile) and the difficulties its
teachers named in the difficulties survey (seed 004), counted only where the school's answers
reached the survey's anonymity threshold. A mentor is suggested when their expertise covers at
least one want and they have a free place; those covering more come first, then the nearest.
The ranking is a pure function (:func:`rank_mentors`); loading is three queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from partnerships.matching import haversine_km

from .models import TAKING_PLACE, Mentor, Mentorship, text_to_codes


@dataclass(frozen=True)
class Wants:
    lat: float | None
    lon: float | None
    municipality_id: int
    high_factors: dict[int, str]  # factor id -> name
    needs: dict[str, tuple[str, float]]  # need code -> (label, share of teachers, %)


@dataclass(frozen=True)
class Candidate:
    pk: int
    name: str
    workplace: str
    municipality_id: int
    municipality: str
    lat: float | None
    lon: float | None
    capacity: int
    taken: int
    factor_ids: frozenset[int]
    needs: frozenset[str]


@dataclass
class Suggestion:
    candidate: Candidate
    factors: list[str]
    needs: list[tuple[str, float]]
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return len(self.factors) + len(self.needs)

    @property
    def free(self) -> int:
        return self.candidate.capacity - self.candidate.taken


def _distance(w: Wants, c: Candidate) -> float | None:
    if None in (w.lat, w.lon, c.lat, c.lon):
        return None
    return haversine_km(w.lat, w.lon, c.lat, c.lon)


def explain(s: Suggestion, *, municipality_id: int) -> list[str]:
    reasons = [
        _("Experience in the school's high-risk factor «%(factor)s».") % {"factor": f}
        for f in s.factors
    ]
    reasons += [
        _("Helps with «%(need)s», named by %(share)s %% of the school's teachers.")
        % {"need": label, "share": number_format(share, decimal_pos=0)}
        for label, share in s.needs
    ]
    if s.distance_km is not None:
        reasons.append(
            _("%(km)s km away.") % {"km": number_format(round(s.distance_km, 1), decimal_pos=1)}
        )
    elif s.candidate.municipality_id == municipality_id:
        reasons.append(_("Works in the same municipality."))
    else:
        reasons.append(_("Another municipality (%(m)s).") % {"m": s.candidate.municipality})
    reasons.append(
        _("Free places: %(free)s of %(capacity)s.")
        % {"free": s.free, "capacity": s.candidate.capacity}
    )
    return reasons


def rank_mentors(wants: Wants, candidates: list[Candidate], *, limit: int = 10) -> list[Suggestion]:
    """Mentors with a free place whose expertise covers a want: most wants covered first
    (weighted by how many teachers named a need), then the nearest."""
    found = []
    for c in candidates:
        if c.taken >= c.capacity:
            continue
        factors = [name for fid, name in wants.high_factors.items() if fid in c.factor_ids]
        needs = [wants.needs[code] for code in wants.needs if code in c.needs]
        if not factors and not needs:
            continue
        found.append(Suggestion(c, factors, needs, _distance(wants, c)))
    found.sort(
        key=lambda s: (
            -(len(s.factors) + sum(share for _, share in s.needs) / 100.0),
            s.distance_km if s.distance_km is not None else float("inf"),
            s.candidate.name,
        )
    )
    found = found[:limit]
    for s in found:
        s.reasons = explain(s, municipality_id=wants.municipality_id)
    return found


def school_needs(*, organisation_id: int) -> dict[str, tuple[str, float]]:
    """``{need: (label, share %)}`` of the school's teachers over the surveys in which the school
    reached the anonymity threshold, of an open survey its published figures only
    (:func:`diagnostics.selectors.teacher_needs_of_school`); most named first."""
    from diagnostics.models import TeacherNeed
    from diagnostics.selectors import teacher_needs_of_school

    respondents, counts = teacher_needs_of_school(organisation_id=organisation_id)
    labels = dict(TeacherNeed.choices)
    return {
        need: (str(labels[need]), round(100.0 * c / respondents, 1))
        for need, c in sorted(counts.items(), key=lambda nc: (-nc[1], nc[0]))
        if need in labels
    }


def school_wants(*, organisation, levels) -> Wants:
    """``levels``: the school's current factor levels (``diagnostics.card.current_levels``)."""
    lat = organisation.latitude if organisation.latitude is not None else None
    lon = organisation.longitude if organisation.longitude is not None else None
    if lat is None and organisation.municipality.latitude is not None:
        lat, lon = organisation.municipality.latitude, organisation.municipality.longitude
    return Wants(
        lat=float(lat) if lat is not None else None,
        lon=float(lon) if lon is not None else None,
        municipality_id=organisation.municipality_id,
        high_factors={fl.factor_id: fl.factor.name for fl in levels if fl.level == "high"},
        needs=school_needs(organisation_id=organisation.pk),
    )


def load_candidates(*, region_id: int) -> list[Candidate]:
    """Active mentors of the region with their expertise and places taken; three queries of
    plain values (no grouping over the joined rows)."""
    rows = list(
        Mentor.objects.filter(is_active=True, municipality__region_id=region_id)
        .order_by()
        .values_list(
            "pk",
            "full_name",
            "organisation__short_name",
            "organisation_name",
            "municipality_id",
            "municipality__name",
            "organisation__latitude",
            "organisation__longitude",
            "municipality__latitude",
            "municipality__longitude",
            "capacity",
            "needs",
        )
    )
    in_region = {"mentor__is_active": True, "mentor__municipality__region_id": region_id}
    taken = dict(
        Mentorship.objects.filter(status__in=TAKING_PLACE, **in_region)
        .order_by()
        .values_list("mentor_id")
        .annotate(n=Count("pk"))
    )
    factors: dict[int, set[int]] = {}
    for mentor_id, factor_id in (
        Mentor.risk_factors.through.objects.filter(**in_region)
        .order_by()
        .values_list("mentor_id", "riskfactor_id")
    ):
        factors.setdefault(mentor_id, set()).add(factor_id)
    candidates = []
    for pk, name, org, org_name, mun_id, mun, olat, olon, mlat, mlon, capacity, needs in rows:
        lat, lon = (olat, olon) if olat is not None else (mlat, mlon)
        candidates.append(
            Candidate(
                pk=pk,
                name=name,
                workplace=org or org_name,
                municipality_id=mun_id,
                municipality=mun,
                lat=float(lat) if lat is not None else None,
                lon=float(lon) if lon is not None else None,
                capacity=capacity,
                taken=taken.get(pk, 0),
                factor_ids=frozenset(factors.get(pk, ())),
                needs=frozenset(text_to_codes(needs)),
            )
        )
    return candidates


def suggest_for_school(*, organisation, levels, limit: int = 10) -> tuple[Wants, list[Any]]:
    wants = school_wants(organisation=organisation, levels=levels)
    if not wants.high_factors and not wants.needs:
        return wants, []
    candidates = load_candidates(region_id=organisation.municipality.region_id)
    return wants, rank_mentors(wants, candidates, limit=limit)
