"""Partnerships pages in the access matrix (tests/security/access_matrix.py) and their objects.

One partnership of ``world.school`` (supported) with a leader school made for it and
``world.partner_org`` (partner), with an agreement carrying a signed scan, a network, a declared
strength and a pairing plan — all in ``world.mun``. ``leader_director`` (director of
``world.leader``, not a member) must get 404 like the outsiders.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from diagnostics.models import RiskFactor
from partnerships.models import (
    Agreement,
    DeclaredStrength,
    MemberRole,
    Network,
    PairingPlan,
    Partnership,
    PartnershipMember,
)
from tests.factories import OrganisationFactory
from tests.security.routes import REDIRECT, SCHOOL_READERS, TERRITORY, Route, everyone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: Everyone who reads the partnership: the territory, the school's staff, the partner.
READERS = (*SCHOOL_READERS, "partner")
#: Readers who may not change it.
_SEE_ONLY = {"curator": 403, "director": 403, "teacher": 403, "partner": 403}
_TERRITORY_AND_OUTSIDER = (*TERRITORY, "outsider")


def _cached(objects, key, make):
    value = getattr(objects, key, None)
    if value is None:
        value = make()
        setattr(objects, key, value)
    return value


def partnership(objects) -> int:
    def make():
        p = Partnership.objects.create(title="Пара для матрицы доступа", municipality=objects.mun)
        leader = OrganisationFactory(municipality=objects.mun, short_name="МОБУ «СОШ № 90»")
        PartnershipMember.objects.bulk_create(
            [
                PartnershipMember(
                    partnership=p, organisation=objects.school, role=MemberRole.SUPPORTED
                ),
                PartnershipMember(partnership=p, organisation=leader, role=MemberRole.LEADER),
                PartnershipMember(
                    partnership=p, organisation=objects.partner_org, role=MemberRole.PARTNER
                ),
            ]
        )
        return p

    return _cached(objects, "partnerships_partnership", make).pk


def agreement(objects) -> int:
    def make():
        partnership(objects)
        a = Agreement.objects.create(
            partnership=objects.partnerships_partnership,
            kind="cooperation",
            municipality=objects.mun,
            year=2026,
            sequence=1,
            number="M/2026-001",
            date=dt.date(2026, 9, 1),
            valid_from=dt.date(2026, 9, 1),
            valid_until=dt.date(2027, 6, 30),
            subject="Сотрудничество",
        )
        a.scan.save("scan.pdf", SimpleUploadedFile("scan.pdf", PDF), save=False)
        a.scan_name = "scan.pdf"
        a.save()
        return a

    return _cached(objects, "partnerships_agreement", make).pk


def network(objects) -> int:
    def make():
        n = Network.objects.create(
            name="Сеть для матрицы",
            model="resource_centre",
            municipality=objects.mun,
            coordinator=objects.partner_org,
        )
        n.members.add(objects.school)
        return n

    return _cached(objects, "partnerships_network", make).pk


def strength(objects) -> int:
    return _cached(
        objects,
        "partnerships_strength",
        lambda: DeclaredStrength.objects.create(
            organisation=objects.school, factor=RiskFactor.objects.get(code=9), experience="Опыт"
        ),
    ).pk


def plan(objects) -> int:
    return _cached(
        objects,
        "partnerships_plan",
        lambda: PairingPlan.objects.create(
            region=objects.region, municipality=objects.mun, min_fit=25
        ),
    ).pk


class _RewindingUpload(SimpleUploadedFile):
    """The matrix posts the same data for every actor: each whole read starts over."""

    def read(self, size=-1):
        if size in (-1, None):
            self.seek(0)
        return super().read(size)


def _school_in_pair(objects) -> int:
    partnership(objects)
    return objects.school.pk


def _scan(objects):
    return {"scan": _RewindingUpload("scan.pdf", PDF, content_type="application/pdf")}


ROUTES: dict[str, Route] = {
    "partnerships:list": everyone(),
    "partnerships:create": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "partnerships:detail": Route(args={"pk": partnership}, ok=READERS),
    "partnerships:edit": Route(args={"pk": partnership}, ok=TERRITORY, expect=_SEE_ONLY),
    # A member's refused action comes back to the page with a message.
    "partnerships:transition": Route(
        method="post",
        args={"pk": partnership},
        data={"action": "approve"},
        ok=READERS,
        ok_status=REDIRECT,
    ),
    "partnerships:agreement_create": Route(
        args={"pk": partnership}, ok=TERRITORY, expect=_SEE_ONLY
    ),
    "partnerships:suggest": Route(
        args={"org_pk": "school"},
        ok=TERRITORY,
        expect={"curator": 403, "director": 403, "teacher": 403},
    ),
    # The school's card is also read by those who share a partnership with it (issue 15).
    "partnerships:strengths": Route(args={"org_pk": _school_in_pair}, ok=READERS),
    "partnerships:organisation": Route(args={"org_pk": _school_in_pair}, ok=READERS),
    "partnerships:strength_delete": Route(
        method="post",
        args={"pk": strength},
        ok=(*TERRITORY, "director"),
        ok_status=REDIRECT,
        expect={"curator": 403, "teacher": 403},
    ),
    "partnerships:plans": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "partnerships:plan_detail": Route(
        args={"pk": plan}, ok=TERRITORY, other=403, expect={"outsider": 404}
    ),
    "partnerships:plan_approve": Route(
        method="post",
        args={"pk": plan},
        ok=TERRITORY,
        ok_status=REDIRECT,
        other=403,
        expect={"outsider": 404},
    ),
    "partnerships:plan_retry": Route(
        method="post",
        args={"pk": plan},
        ok=TERRITORY,
        ok_status=REDIRECT,
        other=403,
        expect={"outsider": 404},
    ),
    "partnerships:settings": Route(ok=("admin", "coordinator"), other=403),
    "partnerships:networks": everyone(),
    "partnerships:network_create": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "partnerships:network_detail": Route(args={"pk": network}, ok=READERS),
    "partnerships:network_edit": Route(args={"pk": network}, ok=TERRITORY, expect=_SEE_ONLY),
    "partnerships:agreement_detail": Route(args={"pk": agreement}, ok=READERS),
    "partnerships:agreement_pdf": Route(
        method="post", args={"pk": agreement}, ok=READERS, ok_status=REDIRECT
    ),
    "partnerships:agreement_scan": Route(
        method="post",
        args={"pk": agreement},
        data=_scan,
        ok=TERRITORY,
        ok_status=REDIRECT,
        expect=_SEE_ONLY,
    ),
    # Signed scans are for the territory and the heads of the parties (issue 16): a teacher
    # or curator sees the agreement but not its scan.
    "partnerships:agreement_scan_download": Route(
        args={"pk": agreement},
        ok=(*TERRITORY, "director", "partner"),
        expect={"curator": 403, "teacher": 403},
    ),
    "partnerships:agreement_transition": Route(
        method="post",
        args={"pk": agreement},
        data={"action": "sign"},
        ok=READERS,
        ok_status=REDIRECT,
    ),
    "partnerships:template_edit": Route(
        args={"kind": lambda o: "cooperation"}, ok=_TERRITORY_AND_OUTSIDER, other=403
    ),
}
