import pytest
from django.core.management import call_command

from knowledge import demo, matching
from knowledge.models import Mentor, Mentorship, Practice, PracticeStatus
from schools.models import Organisation


@pytest.mark.django_db
def test_demo_has_the_ovz_practice_with_data_and_mentors_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Practice.objects.count(), Mentor.objects.count(), Mentorship.objects.count())
    demo.run()
    assert (Practice.objects.count(), Mentor.objects.count(), Mentorship.objects.count()) == counts
    ovz = Practice.objects.get(title=demo.OVZ_PRACTICE)
    assert ovz.status == PracticeStatus.PUBLISHED and ovz.is_public
    assert ovz.partnership.title == demo.PAIR
    names = [s["name"] for s in ovz.results_snapshot["schools"]]
    assert names == ["МОБУ «СОШ № 5»"]
    assert ovz.results_snapshot["schools"][0]["profile_before"] is not None
    assert Practice.objects.filter(status=PracticeStatus.REVIEW).exists()
    school = Organisation.objects.select_related("municipality").get(short_name="МОБУ «СОШ № 5»")
    from diagnostics.card import current_levels

    class Request:
        pass

    wants, found = matching.suggest_for_school(
        organisation=school, levels=current_levels(Request(), school)
    )
    assert wants.needs and found
    assert found[0].candidate.name == "Кузнецова Ольга Викторовна"
    assert "Соловьёва Марина Петровна" not in [s.candidate.name for s in found]  # no place
