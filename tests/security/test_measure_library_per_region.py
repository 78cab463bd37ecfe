"""The library of typical measures is per region (issue 16, item 9).

The attack: the library was global, so a coordinator of any region changed every region's
library (and so the draft roadmaps proposed to every region's schools), with no audit entry.
Now a coordinator edits only their region's library — the first change copies the portal's
library for the region — another region's measures are a 404, and each change is audited.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnostics.models import RiskFactor
from network_portal.accounts.models import Role
from network_portal.audit.models import AuditEvent
from roadmaps.models import MeasureTemplate, Roadmap
from roadmaps.selectors import measure_library
from roadmaps.services import roadmap_propose_measures
from tests.factories import (
    MunicipalityFactory,
    OrganisationFactory,
    RegionFactory,
    RoleAssignmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def south(world):
    """Another region («Южная область») with its coordinator and a school."""
    region = RegionFactory(name="Южная область")
    school = OrganisationFactory(municipality=MunicipalityFactory(region=region))
    coordinator = UserFactory(email="south-coordinator@example.test")
    RoleAssignmentFactory(user=coordinator, role=Role.COORDINATOR, region=region)
    return region, school, coordinator


def _post_data(template: MeasureTemplate, **changes) -> dict:
    data = {
        "risk_factor": template.risk_factor_id,
        "module": template.module,
        "task": template.task,
        "measure": template.measure,
        "form_of_interaction": template.form_of_interaction,
        "duration_days": template.duration_days,
        "target_indicator": template.target_indicator,
        "target_value": "" if template.target_value is None else template.target_value,
        "is_active": "on",
    }
    return {**data, **changes}


def _proposed_tasks(school, factor) -> list[str]:
    roadmap = Roadmap.objects.create(organisation=school, title="Программа")
    roadmap_propose_measures(
        roadmap=roadmap, user=None, start=roadmap.created_at.date(), levels=[(factor, "high")]
    )
    return list(roadmap.items.values_list("task", flat=True))


def test_a_coordinator_changes_only_their_regions_library(world, users, client_for, south):
    _south_region, south_school, south_coordinator = south
    factor = RiskFactor.objects.get(code=9)
    base = MeasureTemplate.objects.filter(region=None, risk_factor=factor).order_by("pk").first()
    base_count = MeasureTemplate.objects.filter(region=None).count()
    original = base.task
    before = _proposed_tasks(south_school, factor)
    assert original in before

    client = client_for(users.coordinator)
    url = reverse("roadmaps:library_edit", args=[base.pk])
    response = client.post(url, _post_data(base, task="Мера Северной области"))
    assert response.status_code == 302

    # The portal's library and the other region are untouched; the region has its own copy.
    base.refresh_from_db()
    assert base.task == original
    assert MeasureTemplate.objects.filter(region=world.region).count() == base_count
    own = MeasureTemplate.objects.get(region=world.region, copied_from=base)
    assert own.task == "Мера Северной области"
    assert _proposed_tasks(south_school, factor) == before
    assert "Мера Северной области" in _proposed_tasks(world.school, factor)

    # Audited: the copy and the change, with the actor.
    actions = set(
        AuditEvent.objects.filter(actor=users.coordinator).values_list("action", flat=True)
    )
    assert {"measure_library.copy", "measure_template.save"} <= actions

    # The other region's coordinator sees the portal's library, and the first region's
    # measures are a 404 to read or to change.
    south = client_for(south_coordinator)
    page = south.get(reverse("roadmaps:library")).content.decode()
    assert original in page and "Мера Северной области" not in page
    other_url = reverse("roadmaps:library_edit", args=[own.pk])
    assert south.get(other_url).status_code == 404
    assert south.post(other_url, _post_data(own, task="Взлом")).status_code == 404
    own.refresh_from_db()
    assert own.task == "Мера Северной области"

    # The methodologist of the first region reads the region's library; cannot edit it.
    page = client_for(users.methodologist).get(reverse("roadmaps:library")).content.decode()
    assert "Мера Северной области" in page
    assert client_for(users.methodologist).post(url, _post_data(base)).status_code == 403


def test_an_administrator_edits_the_portals_library_for_regions_without_their_own(
    world, users, client_for, south
):
    _south_region, south_school, _coordinator = south
    factor = RiskFactor.objects.get(code=9)
    base = MeasureTemplate.objects.filter(region=None, risk_factor=factor).order_by("pk").first()
    # The first region has its own library already.
    client_for(users.coordinator).post(
        reverse("roadmaps:library_edit", args=[base.pk]), _post_data(base, task="Своя мера")
    )
    client_for(users.admin).post(
        reverse("roadmaps:library_edit", args=[base.pk]), _post_data(base, task="Мера портала")
    )
    base.refresh_from_db()
    assert base.task == "Мера портала"
    assert "Мера портала" in _proposed_tasks(south_school, factor)
    assert "Мера портала" not in _proposed_tasks(world.school, factor)
    assert AuditEvent.objects.filter(actor=users.admin, action="measure_template.save").exists()


def test_a_new_measure_goes_to_the_regions_library(world, users, client_for):
    factor = RiskFactor.objects.get(code=9)
    template = MeasureTemplate.objects.filter(region=None).first()
    response = client_for(users.coordinator).post(
        reverse("roadmaps:library_add"),
        _post_data(template, risk_factor=factor.pk, task="Новая мера региона"),
    )
    assert response.status_code == 302
    created = MeasureTemplate.objects.get(task="Новая мера региона")
    assert created.region == world.region
    assert not measure_library(region_id=None).filter(task="Новая мера региона").exists()
    assert AuditEvent.objects.filter(action="measure_template.create").exists()
