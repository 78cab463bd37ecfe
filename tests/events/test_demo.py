import pytest
from django.core.management import call_command

from events import demo
from events.models import Event, Registration, RegistrationStatus


@pytest.mark.django_db
def test_demo_is_idempotent_and_has_the_nearly_full_event():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Event.objects.count(), Registration.objects.count())
    demo.run()
    assert (Event.objects.count(), Registration.objects.count()) == counts
    nearly_full = Event.objects.get(title=demo.NEARLY_FULL)
    registered = nearly_full.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    assert registered == nearly_full.capacity - 1
    past = Event.objects.get(title=demo.PAST_DAY)
    assert past.status == "held" and past.report.summary
    assert past.registrations.filter(user__email="teacher@demo.local", attended=True).exists()
    assert past.organiser.short_name == "МОБУ «СОШ № 9»"


@pytest.mark.django_db
def test_a_second_demo_run_leaves_the_events_rows_untouched():
    """``queued_at`` orders the waiting list: a second ``seed_demo`` must not rewrite it, nor
    any other column of the events' rows."""
    from events.models import EventReport

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    def snapshot():
        return {
            model.__name__: sorted(model.objects.values_list())
            for model in (Event, Registration, EventReport)
        }

    first = snapshot()
    demo.run()
    assert snapshot() == first
