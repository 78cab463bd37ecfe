"""The demo roadmap of СОШ № 5: built from its profile, realistic states, idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from roadmaps.models import EngagementConcern, Evidence, QuarterRating, Roadmap, RoadmapStatus

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", password="demo12345", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_roadmap_is_realistic_and_idempotent():
    _seed()
    roadmap = Roadmap.objects.get(organisation__short_name="МОБУ «СОШ № 5»")
    items = list(roadmap.items.all())
    statuses = [i.status for i in items]
    assert roadmap.status == RoadmapStatus.SUBMITTED
    assert statuses.count("done") >= 2 and statuses.count("in_progress") >= 2
    assert sum(i.overdue for i in items) == 1
    done_with_evidence = {e.item_id for e in Evidence.objects.filter(item__roadmap=roadmap)}
    assert done_with_evidence and all(
        i.status == "done" for i in items if i.pk in done_with_evidence
    )
    assert roadmap.comments.filter(item__isnull=False).exists()
    assert QuarterRating.objects.filter(roadmap=roadmap).count() == 1
    if roadmap.partnership_id:
        members = set(roadmap.partnership.organisations.values_list("short_name", flat=True))
        assert {"МОБУ «СОШ № 5»", "МОБУ «СОШ № 9»"} <= members
    counts = (Roadmap.objects.count(), roadmap.items.count(), Evidence.objects.count(),
              EngagementConcern.objects.count(), QuarterRating.objects.count())  # fmt: skip
    _seed()
    assert counts == (Roadmap.objects.count(), roadmap.items.count(), Evidence.objects.count(),
                      EngagementConcern.objects.count(), QuarterRating.objects.count())  # fmt: skip


def test_demo_roadmap_is_built_without_partnership_and_profile():
    from network_portal.accounts import demo as accounts_demo
    from roadmaps import demo
    from schools import demo as schools_demo

    schools_demo.run()
    accounts_demo.run(password="demo12345")
    result = demo.run()
    roadmap = Roadmap.objects.get(organisation__short_name="МОБУ «СОШ № 5»")
    assert result["partnership"] is False and roadmap.partnership is None
    codes = set(roadmap.items.values_list("risk_factor__code", flat=True))
    assert codes == {3, 6, 9, 10}  # seed 001's factors of СОШ № 5 when there is no profile


def _rows(app_labels: set[str]) -> dict[str, dict]:
    """{model: {pk: {column: value}}} of every model (history tables included) of the apps."""
    from django.apps import apps

    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in app_labels:
            names = [f.attname for f in model._meta.concrete_fields]
            rows[model._meta.label] = {
                row[model._meta.pk.attname]: row for row in model._default_manager.values(*names)
            }
    return rows


def test_second_seed_leaves_roadmaps_and_partnerships_rows_untouched():
    """Not even ``rated_at`` or ``updated_at`` moves, and no history snapshot is added."""
    _seed()
    first = _rows({"partnerships", "roadmaps"})
    assert first["roadmaps.QuarterRating"] and first["partnerships.HistoricalPartnership"]
    _seed()
    second = _rows({"partnerships", "roadmaps"})
    changed = {
        label: sorted(
            {
                column
                for pk in rows.keys() & second[label].keys()
                for column, value in rows[pk].items()
                if second[label][pk][column] != value
            }
        )
        or f"{len(second[label]) - len(rows)} rows added"
        for label, rows in first.items()
        if rows != second[label]
    }
    assert not changed


def test_demo_partner_sees_its_commitments(client_for):
    """The college of the СОШ № 5 — СОШ № 9 pair co-runs the social-partnership items, so its
    representative's «Мои обязательства» shows them instead of an empty page."""
    _seed()
    partner = get_user_model().objects.get(email="partner@demo.local")
    page = client_for(partner).get(reverse("reports:commitments")).content.decode()
    assert "Привлечение ресурсов социальных партнёров" in page
    assert "Открытых пунктов дорожных карт школ-партнёров" not in page
