"""Per-school tokens of the cached pages (``schools/card_cache.py``, issue 17 item 5): a save
or deletion of a registered model replaces only its schools' pages; another school's kept
pages are still served and are the pages it would render now (it never shows the first school's
rows of that model); every write nobody attributed still replaces every page.

The guard (``test_a_write_for_one_school_keeps_the_others_pages``) goes through every model
registered with ``card_cache.register``: a model wrongly attributed fails it, either on the
writing school's pages (kept while they changed) or on the other school's (kept while they
changed, or not kept)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diagnostics import services as services_diagnostics
from events.models import EventStatus, Registration
from network_portal.accounts.models import Role
from roadmaps.models import (
    EngagementConcern,
    Evidence,
    QuarterRating,
    ReviewComment,
    Roadmap,
    RoadmapItem,
    SchoolCounts,
)
from schools import card_cache
from tests.diagnostics.factories import TeacherSurveyFactory
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import RoleAssignmentFactory
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of
from tests.schools.kept_pages import fresh_html, page_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.SCHOOL_CARD_CACHE = True


def _kept(response) -> bool:
    """Served from the cache: neither the card's body nor the roadmap's cards were rendered."""
    names = [t.name for t in response.templates]
    return "schools/_card_body.html" not in names and "page" not in (response.context or {})


def _school_rows(school, roadmap, user, tag: str) -> None:
    """One row of every registered model for ``school`` (shown on its card or roadmap page)."""
    item = RoadmapItemFactory(roadmap=roadmap, task=f"Задача {tag}")
    Evidence.objects.create(item=item, kind="comment", text=f"Подтверждение {tag}", added_by=user)
    ReviewComment.objects.create(roadmap=roadmap, item=item, author=user, text=f"Замечание {tag}")
    QuarterRating.objects.create(
        roadmap=roadmap, year=2026, quarter=1, rating="green", reason=f"Оценка {tag}"
    )
    EngagementConcern.objects.create(organisation=school, text=f"Нет связи {tag}", raised_by=user)
    # a held event the school organised for its item, attended by one of its teachers
    event = _held_event(organiser=school, title=f"Семинар {tag}", items=[item])
    RegistrationFactory(event=event, user=_teacher(school), attended=True)


def _held_event(*, organiser, title: str, items=()):
    event = EventFactory(
        organiser=organiser,
        title=title,
        starts_at=timezone.now() - timedelta(days=3),
        status=EventStatus.HELD,
    )
    event.roadmap_items.set(items)
    return event


def _teacher(school):
    return RoleAssignmentFactory(role=Role.TEACHER, organisation=school).user


@pytest.fixture
def two(world, users, client_for):
    """School A (world.school) and school B (world.leader, its partner in A's roadmap's
    partnership), each with a roadmap holding a row of every registered model; the
    coordinator sees both schools' cards and roadmap pages."""
    partnership = partnership_of(supported=world.school, leader=world.leader)
    a = RoadmapFactory(organisation=world.school, partnership=partnership, title="Карта А")
    b = RoadmapFactory(organisation=world.leader, title="Карта Б")
    _school_rows(world.school, a, users.methodologist, "А")
    _school_rows(world.leader, b, users.methodologist, "Б")
    client = client_for(users.coordinator)
    return SimpleNamespace(
        a=world.school,
        b=world.leader,
        roadmap_a=a,
        roadmap_b=b,
        client=client,
        user=users.methodologist,
        pages_a=[
            reverse("schools:detail", args=[world.school.pk]),
            reverse("roadmaps:detail", args=[a.pk]),
        ],
        pages_b=[
            reverse("schools:detail", args=[world.leader.pk]),
            reverse("roadmaps:detail", args=[b.pk]),
        ],
    )


def _warm(client, urls) -> dict[str, str]:
    bodies = {}
    for url in urls:
        client.get(url)
        response = client.get(url)
        assert _kept(response), url
        bodies[url] = page_html(response)
    return bodies


def _writes(two, model) -> list:
    """Create, update and delete one row of ``model`` for school A, each through the model's
    own ``save()`` / ``delete()``."""
    a, roadmap, user = two.a, two.roadmap_a, two.user
    item = roadmap.items.first()
    if model is Roadmap:
        return [
            lambda: RoadmapFactory(organisation=a, title="Новая карта А"),
            lambda: _update(Roadmap.objects.get(pk=roadmap.pk), title="Карта А, переименована"),
            lambda: Roadmap.objects.get(title="Новая карта А").delete(),
        ]
    if model is RoadmapItem:
        return [
            lambda: RoadmapItemFactory(roadmap=roadmap, task="Новая задача А"),
            lambda: _update(RoadmapItem.objects.get(pk=item.pk), task="Задача А, изменена"),
            lambda: RoadmapItem.objects.get(task="Новая задача А").delete(),
        ]
    if model is Evidence:
        return [
            lambda: Evidence.objects.create(item=item, kind="link", url="https://example.test/a"),
            lambda: _update(Evidence.objects.filter(item=item).first(), text="Исправлено А"),
            lambda: Evidence.objects.get(url="https://example.test/a").delete(),
        ]
    if model is ReviewComment:
        return [
            lambda: ReviewComment.objects.create(roadmap=roadmap, author=user, text="Ещё А"),
            lambda: _update(ReviewComment.objects.get(text="Ещё А"), text="Ещё А, исправлено"),
            lambda: ReviewComment.objects.get(text="Ещё А, исправлено").delete(),
        ]
    if model is QuarterRating:
        return [
            lambda: QuarterRating.objects.create(
                roadmap=roadmap, year=2026, quarter=2, rating="red", reason="Отстаёт А"
            ),
            lambda: _update(QuarterRating.objects.get(reason="Отстаёт А"), rating="amber"),
            lambda: QuarterRating.objects.get(reason="Отстаёт А").delete(),
        ]
    if model is EngagementConcern:
        return [
            lambda: EngagementConcern.objects.create(organisation=a, text="Молчит А"),
            lambda: _update(EngagementConcern.objects.get(text="Молчит А"), text="Молчит А!"),
            lambda: EngagementConcern.objects.get(text="Молчит А!").delete(),
        ]
    if model is SchoolCounts:
        from roadmaps.counts import counts_refresh

        SchoolCounts.objects.filter(organisation=a).update(n_roadmaps=0)  # to be counted again
        return [
            lambda: counts_refresh(organisation_ids=[a.pk], fields=["n_roadmaps"], create=True),
            lambda: _update(SchoolCounts.objects.get(organisation=a), n_concerns=7),
            lambda: SchoolCounts.objects.get(organisation=a).delete(),
        ]
    if model is Registration:
        event = Registration.objects.get(event__organiser=a).event
        teacher = _teacher(a)  # (a new user and role: every page's, before the pages are kept)
        return [
            lambda: RegistrationFactory(event=event, user=teacher, attended=True),
            lambda: _update(Registration.objects.filter(event=event).last(), attended=False),
            lambda: Registration.objects.filter(event=event, attended=True).get().delete(),
        ]
    raise AssertionError(f"{model.__name__} is registered but the guard does not write it")


def _update(obj, **fields) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()


def _check(two, write, *, attributed: bool = True) -> bool:
    """Whether A's pages changed; B's are kept (``attributed=False``: rendered anew too)."""
    client = two.client
    before_a = _warm(client, two.pages_a)
    _warm(client, two.pages_b)
    write()
    for url in two.pages_b if not attributed else ():
        response = client.get(url)
        assert not _kept(response), f"{url}: B's page was kept after an unattributed write"
        assert page_html(response) == fresh_html(client, url)
    for url in two.pages_b if attributed else ():
        response = client.get(url)
        assert _kept(response), f"{url}: B's page was evicted by A's write"
        assert page_html(response) == fresh_html(client, url), f"{url}: B's kept page is stale"
    changed = False
    for url in two.pages_a:
        response = client.get(url)
        assert not _kept(response), f"{url}: A's page was kept after A's write"
        after = page_html(response)
        assert after == fresh_html(client, url)
        changed |= after != before_a[url]
    return changed


def test_every_registered_model_is_guarded():
    from roadmaps import models as roadmap_models

    registered = {m for m in card_cache._OWNERS if m._meta.app_label in ("roadmaps", "events")}
    assert registered == {
        roadmap_models.Roadmap,
        RoadmapItem,
        Evidence,
        ReviewComment,
        QuarterRating,
        EngagementConcern,
        SchoolCounts,
        Registration,
    }
    assert set(card_cache._OWNERS) == registered  # a new app's model: add it to the guard


@pytest.mark.parametrize(
    "model",
    [Roadmap, RoadmapItem, Evidence, ReviewComment, QuarterRating, EngagementConcern, Registration],
    ids=lambda m: m.__name__,
)
def test_a_write_for_one_school_keeps_the_others_pages(two, model):
    create, update, delete = _writes(two, model)
    # Not attributed (every page): a model registered with ``deletes=False`` (Django's fast
    # delete kept). The new roadmap and item deleted here have no rows in unregistered tables, so
    # the cascade's statements there change nothing and the deletion is A's; with such rows it
    # is everybody's (``test_deleting_an_item_that_served_an_event_replaces_every_page``).
    deletes = card_cache._OWNERS[model].deletes
    shown = [_check(two, create), _check(two, update), _check(two, delete, attributed=deletes)]
    assert all(shown), "A's pages show each of its writes"


def test_a_schools_counts_keep_the_others_pages(two):
    """Shown on no cached page (the overview's), but a school's row all the same."""
    create, update, delete = _writes(two, SchoolCounts)
    _check(two, create)
    _check(two, update)
    _check(two, delete, attributed=False)


def test_the_guard_fails_a_wrongly_attributed_model(two, world, monkeypatch):
    """An item attributed only to its responsible school (not to its roadmap's): A's pages
    would be kept stale — the guard says so."""
    item = two.roadmap_a.items.first()
    item.responsible_organisation = world.other_school
    item.save()
    owner = card_cache._OWNERS[RoadmapItem]
    wrong = card_cache._Owner(
        schools=owner.schools,
        via=(),
        paths=owner.paths[:2],
        pk_column=owner.pk_column,
        remembered_names=owner.schools,
    )
    monkeypatch.setitem(card_cache._OWNERS, RoadmapItem, wrong)

    def write():
        stored = RoadmapItem.objects.get(pk=item.pk)
        stored.task = "Изменена А"
        stored.save(update_fields=["task"])  # (no recount of A's counts, attributed to A)

    with pytest.raises(AssertionError, match="A's page was kept"):
        _check(two, write)


def test_a_director_editing_items_keeps_the_other_schools_pages(two, users, client_for):
    """The hot path: the quick update of an item (claim, save, counts) through the view."""
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=users.director, role="director", organisation=two.a)
    director = client_for(users.director)
    item = two.roadmap_a.items.first()
    coordinator = client_for(users.coordinator)
    _warm(coordinator, two.pages_b)
    for status in ("in_progress", "planned", "in_progress"):
        item.refresh_from_db()
        posted = client_for(users.director).post(
            reverse("roadmaps:item_quick", args=[item.pk]),
            {"status": status, "actual": "", "version": item.version},
        )
        assert posted.status_code in (200, 302)
        coordinator = client_for(users.coordinator)
        for url in two.pages_b:
            response = coordinator.get(url)
            assert _kept(response) and page_html(response) == fresh_html(coordinator, url)
    assert director  # the director's own page is checked by tests/roadmaps/test_page_cache.py


@pytest.mark.parametrize("how", ["update", "bulk_create", "raw"])
def test_a_write_nobody_attributed_replaces_every_page(two, how):
    client = two.client
    _warm(client, two.pages_a + two.pages_b)
    if how == "update":
        RoadmapItem.objects.filter(roadmap=two.roadmap_a).update(task="Изменена запросом")
    elif how == "bulk_create":
        item = two.roadmap_a.items.first()
        Evidence.objects.bulk_create([Evidence(item=item, kind="comment", text="Пачкой")])
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE roadmaps_roadmapitem SET task = %s WHERE id = %s",
                ["Изменена SQL", two.roadmap_a.items.first().pk],
            )
    for url in two.pages_a + two.pages_b:
        response = client.get(url)
        assert not _kept(response), url
        assert page_html(response) == fresh_html(client, url)


def test_a_school_token_replaced_while_rendering_keeps_nothing(rf, users, world):
    """The roadmap page learns its school once rendered: a write to that school committed
    meanwhile (its token newer than the counter read before) must not be kept."""
    request = rf.get(f"/roadmaps/{world.school.pk}/")
    request.user = users.coordinator
    found = card_cache.lookup(request, 1, kind="roadmaps:page")
    card_cache.schools_changed([world.school.pk])  # committed by another process meanwhile
    card_cache.keep(found, title="t", body="b", schools=[world.school.pk])
    again = card_cache.lookup(request, 1, kind="roadmaps:page")
    assert again.body is None
    card_cache.keep(again, title="t", body="b", schools=[world.school.pk])
    assert card_cache.lookup(request, 1, kind="roadmaps:page").body == "b"


def test_a_wrong_registration_is_not_silent_about_moves(two):
    """An item moved to another school's roadmap: whose it was is known only from the row, so
    the write replaces every page."""
    item = RoadmapItem.objects.get(pk=two.roadmap_a.items.first().pk)
    assert card_cache.stored_schools(item) == {two.a.pk}
    item.roadmap = two.roadmap_b
    assert card_cache.stored_schools(item) is None


def test_a_questionnaire_draft_keeps_the_other_schools_pages(two, world, users):
    """``diagnostics.services.questionnaire_save`` writes through QuerySets (the claim, the
    answers replaced) in a block attributed to its school."""
    from diagnostics.services import questionnaire_save
    from tests.diagnostics.factories import CycleFactory, QuestionnaireFactory

    cycle = CycleFactory(municipality=world.mun)
    mine = QuestionnaireFactory(cycle=cycle, organisation=two.a)
    QuestionnaireFactory(cycle=cycle, organisation=two.b)

    def write():
        mine.refresh_from_db()
        questionnaire_save(
            questionnaire=mine, answers={}, expected_version=mine.version, user=users.director
        )

    _check(two, write)
    _check(two, write)


def test_a_returned_questionnaire_replaces_only_its_schools_pages(two, world, users):
    """The methodologist returns A's submitted self-diagnosis: its profile is withdrawn, so A's
    pages change; B's stay kept."""
    from diagnostics.models import RiskProfile
    from diagnostics.services import questionnaire_return, questionnaire_save
    from tests.diagnostics.factories import CycleFactory, QuestionnaireFactory
    from tests.diagnostics.test_services import worst_answers

    cycle = CycleFactory(municipality=world.mun)
    mine = QuestionnaireFactory(cycle=cycle, organisation=two.a)
    questionnaire_save(
        questionnaire=mine,
        answers=worst_answers(mine.instrument),
        expected_version=mine.version,
        user=users.director,
        submit=True,
    )
    assert RiskProfile.objects.filter(questionnaire=mine).exists()

    def write():
        questionnaire_return(
            questionnaire=mine, comment="Уточните ответы", user=users.methodologist
        )

    assert _check(two, write)  # the card showed the withdrawn profile


@pytest.mark.parametrize("signal", ["request_started", "task_prerun"])
def test_a_save_that_raised_leaves_nothing_for_the_next_request_or_task(two, signal):
    """A save that raised between its ``pre_save`` and ``post_save`` leaves its instance in
    flight; the next request (or Celery task of the same worker process) starts clean, so none
    of its writes is taken for that instance's."""
    from celery.signals import task_prerun
    from django.core.signals import request_started
    from django.db.models.signals import pre_save

    item = two.roadmap_a.items.first()
    pre_save.send(sender=RoadmapItem, instance=item, raw=False)  # … and the INSERT raised
    assert card_cache._IN_FLIGHT.get().saves["roadmaps_roadmapitem"]
    {"request_started": request_started, "task_prerun": task_prerun}[signal].send(sender=None)
    assert card_cache._IN_FLIGHT.get() is None


def _pages_after(client, write, *, changed: list[str], kept: list[str]) -> None:
    """Each of ``changed`` is rendered anew after ``write`` and shows it; each of ``kept`` is
    served from the cache and is the page it would render now."""
    before = _warm(client, changed)
    _warm(client, kept)
    write()
    for url in kept:
        response = client.get(url)
        assert _kept(response), f"{url}: evicted by a write it does not show"
        assert page_html(response) == fresh_html(client, url), f"{url}: kept stale"
    for url in changed:
        response = client.get(url)
        assert not _kept(response), f"{url}: kept after a write it shows"
        after = page_html(response)
        assert after == fresh_html(client, url)
        assert after != before[url], f"{url}: does not show the write"


def test_a_registration_replaces_the_pages_of_every_school_that_shows_it(two, world):
    """A teacher of B at a held event organised by C for an item of A's roadmap: A's roadmap
    page (how many attended the events that served its items), B's card (how many events its
    staff attended) and C's card (how many attended the events it organised) show it; the
    fourth school's card is kept."""
    c, d = world.partner_org, world.other_school
    event = _held_event(organiser=c, title="Семинар В", items=[two.roadmap_a.items.first()])
    teacher = _teacher(two.b)
    changed = [
        reverse("roadmaps:detail", args=[two.roadmap_a.pk]),
        reverse("schools:detail", args=[two.b.pk]),
        reverse("schools:detail", args=[c.pk]),
    ]
    kept = [reverse("schools:detail", args=[d.pk])]

    def attend(flag: bool) -> None:
        registration = Registration.objects.get(event=event, user=teacher)
        registration.attended = flag
        registration.save(update_fields=["attended", "updated_at"])

    _pages_after(
        two.client,
        lambda: RegistrationFactory(event=event, user=teacher, attended=True),
        changed=changed,
        kept=kept,
    )
    _pages_after(two.client, lambda: attend(False), changed=changed, kept=kept)
    _pages_after(two.client, lambda: attend(True), changed=changed, kept=kept)


def test_a_person_with_roles_in_two_schools_is_shown_on_both_cards(two, world):
    """The staff of a school are the people with a role there: a teacher of A who is also a
    director of B counts on both cards (an event C organised, for no roadmap)."""
    c, d = world.partner_org, world.other_school
    person = _teacher(two.a)
    RoleAssignmentFactory(user=person, role=Role.DIRECTOR, organisation=two.b)
    event = _held_event(organiser=c, title="Семинар В")
    _pages_after(
        two.client,
        lambda: RegistrationFactory(event=event, user=person, attended=True),
        changed=[reverse("schools:detail", args=[s.pk]) for s in (two.a, two.b, c)],
        kept=[reverse("schools:detail", args=[d.pk])],
    )


def _client(user) -> Client:
    """A client of its own (``client_for`` logs the one test client in as someone else)."""
    client = Client()
    client.force_login(user)
    return client


def test_registering_and_leaving_keep_the_other_schools_pages(two, users):
    """The commonest write of teachers, through the views: a teacher of A registers for an event
    A organises and leaves it; B's kept pages are served all along, A's card is rendered anew."""
    event = EventFactory(organiser=two.a, title="Семинар впереди")
    coordinator, teacher = two.client, _client(users.teacher)
    for view in ("events:register", "events:unregister", "events:register"):
        _warm(coordinator, two.pages_a + two.pages_b)
        posted = teacher.post(reverse(view, args=[event.pk]))
        assert posted.status_code == 302
        for url in two.pages_b:
            response = coordinator.get(url)
            assert _kept(response) and page_html(response) == fresh_html(coordinator, url)
        card = coordinator.get(two.pages_a[0])
        assert not _kept(card)
    assert Registration.objects.get(event=event, user=users.teacher).status == "registered"


def test_marking_attendance_keeps_the_other_schools_pages(two, users):
    """The organiser's check-in list, through the view: A's pages show how many attended, B's
    are kept."""
    event = Registration.objects.get(event__organiser=two.a).event
    registration = RegistrationFactory(event=event, user=users.teacher)
    director = _client(users.director)
    for flag in ("1", "0"):

        def mark(flag=flag):
            posted = director.post(
                reverse("events:attendance", args=[event.pk]),
                {"registration": registration.pk, "attended": flag},
            )
            assert posted.status_code == 302

        _pages_after(two.client, mark, changed=two.pages_a, kept=two.pages_b)


def test_a_certificate_code_keeps_the_other_schools_pages(two):
    """The code drawn for a certificate (a ``QuerySet.update`` in a block attributed to the
    registration's schools) is shown on no kept page; B's are kept."""
    from events.services import certificate_request

    registration = Registration.objects.get(event__organiser=two.a)

    def write():
        certificate_request(registration=Registration.objects.get(pk=registration.pk), user=None)

    assert not _check(two, write), "A's pages show no certificate code"
    registration.refresh_from_db()
    assert registration.certificate_code


def test_a_partnerships_transitions_keep_the_other_schools_pages(two, world, users):
    """Agreeing, approving, starting and completing a partnership of A and B (a block
    attributed to its members and its roadmaps' schools): their cards show its status, the
    cards of the schools outside it are kept."""
    from partnerships.services.partnerships import partnership_transition

    partnership = two.roadmap_a.partnership
    type(partnership).objects.filter(pk=partnership.pk).update(status="proposed")
    outside = [
        reverse("schools:detail", args=[s.pk]) for s in (world.partner_org, world.other_school)
    ]
    cards = [two.pages_a[0], two.pages_b[0]]

    def move(action: str, actor) -> None:
        partnership.refresh_from_db()
        partnership_transition(partnership=partnership, action=action, actor=actor)

    director = RoleAssignmentFactory(role=Role.DIRECTOR, organisation=two.b).user
    _pages_after(two.client, lambda: move("agree", users.director), changed=[], kept=outside)
    _pages_after(two.client, lambda: move("agree", director), changed=cards, kept=outside)
    for action in ("start", "complete"):
        _pages_after(
            two.client, lambda a=action: move(a, users.methodologist), changed=cards, kept=outside
        )
    partnership.refresh_from_db()
    assert partnership.status == "completed"
    assert [s.to_status for s in partnership.status_changes.order_by("pk")][-2:] == [
        "active",
        "completed",
    ]


def test_an_events_status_and_report_keep_the_other_schools_pages(two, world, users):
    """Publishing, holding with a report and cancelling an event C organised for an item of
    A's roadmap (blocks attributed to its organiser and its roadmaps' schools): C's card and
    A's roadmap page show each, B's pages are kept."""
    from events import services

    c = world.partner_org
    item = two.roadmap_a.items.first()
    changed = [two.pages_a[1], reverse("schools:detail", args=[c.pk])]
    ahead = EventFactory(organiser=c, title="Семинар-черновик", status=EventStatus.DRAFT)
    ahead.roadmap_items.set([item])
    today = EventFactory(
        organiser=c,
        title="Семинар сегодня",
        starts_at=timezone.now() - timedelta(hours=1),
        status=EventStatus.DRAFT,
    )
    today.roadmap_items.set([item])
    type(today).objects.filter(pk=today.pk).update(status=EventStatus.PUBLISHED)

    def fresh(event):
        return type(event).objects.get(pk=event.pk)

    writes = [
        lambda: services.event_publish(event=fresh(ahead), user=users.director),
        lambda: services.report_save(
            event=fresh(today), user=users.director, summary="Обсудили уроки"
        ),
        lambda: services.report_save(
            event=fresh(today), user=users.director, summary="Обсудили уроки ещё раз"
        ),
        lambda: services.event_cancel(event=fresh(ahead), user=users.director, reason="Болезнь"),
    ]
    for write in writes:
        _pages_after(two.client, write, changed=changed, kept=two.pages_b)
    assert fresh(today).status == EventStatus.HELD
    assert fresh(ahead).status == EventStatus.CANCELLED


def _unread_rows(two, world, users) -> SimpleNamespace:
    """A row of every table of ``card_cache.NOT_FEEDING_MODELS`` about A and B."""
    from partnerships.models import (
        AgreementCounter,
        AgreementTemplate,
        PairingPlan,
        PairingRow,
        StatusChange,
    )
    from tests.partnerships.factories import AgreementFactory

    partnership = two.roadmap_a.partnership
    agreement = AgreementFactory(partnership=partnership)
    change = StatusChange.objects.create(
        partnership=partnership, from_status="proposed", to_status="agreed", action="approve"
    )
    StatusChange.objects.create(
        agreement=agreement, from_status="draft", to_status="signed", action="sign"
    )
    counter = AgreementCounter.objects.create(municipality=world.mun, year=2026, last=1)
    AgreementTemplate.objects.create(
        region=world.region, kind="cooperation", title="Шаблон", body="Текст"
    )
    plan = PairingPlan.objects.create(region=world.region, municipality=world.mun, min_fit=25)
    row = PairingRow.objects.create(
        plan=plan, supported=two.a, provider=two.b, partnership=partnership
    )
    for school in (two.a, two.b):  # a teachers' survey answered
        survey = TeacherSurveyFactory(municipality=school.municipality, schools=[school])
        services_diagnostics.survey_answer(
            survey=survey,
            user=_teacher(school),
            organisation=school,
            needs=["ovz"],
            difficulties="",
            support_wanted="",
        )
    return SimpleNamespace(
        agreement=agreement,
        change=change,
        counter=counter,
        row=row,
    )


@pytest.mark.parametrize(
    "role",
    [
        "coordinator",
        "methodologist",
        "curator",
        "director",
        "leader_director",
        "teacher",
        "partner",
    ],
)
def test_no_kept_page_reads_the_tables_whose_writes_replace_nothing(two, world, users, role):
    """The card, the roadmap page and the school list of schools with agreements, statuses and
    pairing plans, for each role: none reads a table of ``NOT_FEEDING_MODELS``."""
    import re

    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    _unread_rows(two, world, users)
    client = _client(getattr(users, role))
    tables: set[str] = set()
    unread = {
        card_cache.apps.get_model(label)._meta.db_table.lower()
        for label in card_cache.NOT_FEEDING_MODELS
    }
    for url in [*two.pages_a, *two.pages_b, reverse("schools:list")]:
        with override_settings(SCHOOL_CARD_CACHE=False), CaptureQueriesContext(connection) as q:
            response = client.get(url)
        assert response.status_code in (200, 404), url
        for statement in q.captured_queries:
            tables |= {t.lower() for t in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', statement["sql"])}
    assert "partnerships_partnership" in tables or role == "teacher"
    assert not tables & unread
    assert unread <= card_cache._not_feeding()


def test_writes_of_agreements_statuses_and_pairing_plans_keep_every_page(two, world, users):
    """Their tables are read by no kept page: a write there replaces no token."""
    rows = _unread_rows(two, world, users)
    pages = two.pages_a + two.pages_b

    def write():
        rows.row.include = False
        rows.row.save()
        rows.agreement.status = "signed"
        rows.agreement.save(update_fields=["status"])
        rows.change.reason = "Уточнено"
        rows.change.save()
        type(rows.counter).objects.filter(pk=rows.counter.pk).update(last=2)

    _pages_after(two.client, write, changed=[], kept=pages)


def test_a_teachers_survey_answer_replaces_only_her_schools_pages(two):
    """An answer (its needs and the school's published figures) is shown on its school's card
    only: the other school's pages stay kept and equal to a fresh render."""
    survey = TeacherSurveyFactory(municipality=two.a.municipality, schools=[two.a])
    teachers = [_teacher(two.a) for _ in range(5)]  # (new people and roles: every page's)
    client = two.client
    _warm(client, two.pages_a + two.pages_b)
    for n, teacher in enumerate(teachers):  # the fifth publishes the school's figures
        services_diagnostics.survey_answer(
            survey=survey,
            user=teacher,
            organisation=two.a,
            needs=["ovz", "methods"][: 1 + n % 2],
            difficulties="",
            support_wanted="",
        )
        for url in two.pages_b:
            response = client.get(url)
            assert _kept(response), f"{url}: evicted by another school's survey answer"
            assert page_html(response) == fresh_html(client, url)
    card = two.pages_a[0]
    response = client.get(card)
    assert not _kept(response), "A's card was kept after its figures were published"
    assert page_html(response) == fresh_html(client, card)


@pytest.mark.parametrize("how", ["update", "delete", "raw"])
def test_a_write_that_changed_no_row_keeps_every_page(two, how):
    """A statement that matched nothing replaces no token; the same statement matching a row
    replaces them (``test_a_write_nobody_attributed_replaces_every_page``)."""
    client = two.client
    _warm(client, two.pages_a + two.pages_b)
    if how == "update":
        RoadmapItem.objects.filter(roadmap=two.roadmap_a, task="Нет такой").update(task="x")
    else:
        sql = {
            "delete": "DELETE FROM roadmaps_evidence WHERE id = %s",
            "raw": "UPDATE roadmaps_roadmapitem SET task = 'x' WHERE id = %s",
        }[how]
        with connection.cursor() as cursor:
            cursor.execute(sql, [-1])
    for url in two.pages_a + two.pages_b:
        response = client.get(url)
        assert _kept(response), f"{url}: evicted by a write that changed nothing"
        assert page_html(response) == fresh_html(client, url)


def test_the_periodic_import_recovery_with_nothing_to_recover_keeps_every_page(two):
    """Beat runs ``schools.recover_imports`` every five minutes: its ``UPDATE``s of stuck runs
    matched nothing, yet replaced every page's token (every kept page lasted ≤ 5 minutes)."""
    from schools.tasks import recover_imports

    client = two.client
    _warm(client, two.pages_a + two.pages_b)
    recover_imports()
    for url in two.pages_a + two.pages_b:
        assert _kept(client.get(url)), url


def test_deleting_an_item_that_served_an_event_replaces_every_page(two):
    """The deletion also deletes the item's link to the event it served (a table nobody
    attributed): every page is rendered anew."""
    item = two.roadmap_a.items.first()
    assert item.events.exists()
    _check(two, lambda: RoadmapItem.objects.get(pk=item.pk).delete(), attributed=False)


def test_creating_and_editing_an_event_keep_the_pages_that_do_not_show_it(two, world, users):
    """An event C organises for an item of A's roadmap: created (a draft), then published and
    moved to an item of B's roadmap. Each write replaces its organiser's and the roadmaps'
    schools' pages, before and after (A's page loses it, B's gains it); the fourth school's
    card stays kept and equal to a fresh render."""
    from events import services
    from events.models import Event
    from tests.events.factories import EventTypeFactory

    c, d = world.partner_org, world.other_school
    item_a, item_b = two.roadmap_a.items.first(), two.roadmap_b.items.first()
    card_d = reverse("schools:detail", args=[d.pk])
    start = timezone.now() + timedelta(days=5)
    data = {
        "title": "Семинар для А",
        "event_type": EventTypeFactory(),
        "organiser": c,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "Актовый зал",
        "audience": ["teachers"],
    }
    client = two.client
    _warm(client, [card_d])

    def create():
        return services.event_create(
            user=users.methodologist, data=dict(data), roadmap_items=[item_a]
        )

    event = create()
    response = client.get(card_d)
    assert _kept(response) and page_html(response) == fresh_html(client, card_d)
    Event.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)  # (every page's)

    def move():
        stored = Event.objects.get(pk=event.pk)
        services.event_update(
            event=stored, user=users.methodologist, data={}, roadmap_items=[item_b]
        )

    _pages_after(client, move, changed=[two.pages_a[1], two.pages_b[1]], kept=[card_d])
    assert list(Event.objects.get(pk=event.pk).roadmap_items.all()) == [item_b]


def test_proposing_and_editing_a_partnership_keep_the_pages_that_do_not_show_it(two, world, users):
    """A partnership of the fourth school D with C, proposed and then edited (C leaves, B
    joins): each write replaces its members' pages before and after; A's stay kept and equal
    to a fresh render (and B's until B joins)."""
    from partnerships.services import partnerships as services

    c, d = world.partner_org, world.other_school
    card = {o: reverse("schools:detail", args=[o.pk]) for o in (c, d, two.b)}
    data = services.PartnershipData(
        title="Пара Г–В", municipality=d.municipality, supported=[d], partners=[c]
    )
    created = {}

    def propose():
        created["p"] = services.partnership_create(actor=users.coordinator, data=data)

    _pages_after(two.client, propose, changed=[card[c], card[d]], kept=two.pages_a + two.pages_b)
    moved = services.PartnershipData(
        title="Пара Г–Б", municipality=d.municipality, supported=[d], leaders=[two.b]
    )

    def edit():
        p = created["p"]
        p.refresh_from_db()
        services.partnership_update(
            partnership=p, actor=users.coordinator, data=moved, version=p.version
        )

    _pages_after(two.client, edit, changed=[card[c], card[d], card[two.b]], kept=two.pages_a)
    assert {m.organisation_id for m in created["p"].members.all()} == {d.pk, two.b.pk}


def test_a_group_registration_reads_its_schools_once(two, world, users, settings):
    """A director registers three teachers of B at once: one block for the group's rows (their
    schools read with their roles), not two lookups per person; A's pages stay kept."""
    from django.test.utils import CaptureQueriesContext

    from events import services

    teachers = [_teacher(two.b) for _ in range(6)]
    ahead = EventFactory(organiser=world.partner_org, title="Открытый урок", capacity=20)
    ahead_off = EventFactory(organiser=world.partner_org, title="Открытый урок 2", capacity=20)
    settings.SCHOOL_CARD_CACHE = False
    with CaptureQueriesContext(connection) as off:
        services.registration_register_group(event=ahead_off, users=teachers[3:], by=users.director)
    settings.SCHOOL_CARD_CACHE = True
    client = two.client
    _warm(client, two.pages_a)
    with CaptureQueriesContext(connection) as on:
        result = services.registration_register_group(
            event=ahead, users=teachers[:3], by=users.director
        )
    assert len(result.registered) == 3
    assert len(on) == len(off) + 1  # the event's schools, once
    for url in two.pages_a:
        response = client.get(url)
        assert _kept(response) and page_html(response) == fresh_html(client, url), url
