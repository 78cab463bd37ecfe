"""One object of each kind, all in ``world.mun`` and owned by ``world.school`` where that applies.

The access matrix fills URLs from these. Every actor outside ``world.mun`` (``outsider``,
``outsider_director``) must get 404/403 for each of them; ``leader_director`` is the
director of another school of the same municipality.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from network_portal.documents.models import Job, JobStatus
from network_portal.documents.registry import BuiltFile, DocumentKind, register

#: A document kind that only its requester (and an admin) may see.
PRIVATE_KIND = "tests.security.private"

register(
    DocumentKind(
        key=PRIVATE_KIND,
        build=lambda job: BuiltFile("secret.pdf", b"%PDF-1.4 secret"),
        can_view=lambda user, job: False,
    )
)


def _jobs(ns: SimpleNamespace, users) -> None:
    ns.job = Job.objects.create(
        kind=PRIVATE_KIND,
        title="Документ-маркер директора",
        requested_by=users.director,
        status=JobStatus.READY,
        file_name="secret.pdf",
        finished_at=timezone.now(),
    )
    ns.job.file.save("secret.pdf", ContentFile(b"%PDF-1.4 secret"), save=True)
    ns.failed_job = Job.objects.create(
        kind=PRIVATE_KIND,
        title="Неудавшийся документ-маркер",
        requested_by=users.director,
        status=JobStatus.FAILED,
        error="Проверочная ошибка",
        finished_at=timezone.now(),
    )


def build_objects(world, users) -> SimpleNamespace:
    ns = SimpleNamespace(
        region=world.region,
        mun=world.mun,
        other_mun=world.other_mun,
        school=world.school,
        leader=world.leader,
        partner_org=world.partner_org,
        other_school=world.other_school,
        director_user=users.director,
        teacher_user=users.teacher,
    )
    _jobs(ns, users)
    return ns
