"""What each role may do, as the home page tells it (DOMAIN.md, "Who uses the portal")."""

from django.utils.translation import gettext_lazy as _

from network_portal.accounts.models import Role

ROLE_CAPABILITIES = {
    Role.COORDINATOR: [
        _("see all municipalities of your region and their schools"),
        _("set the category thresholds and edit the diagnostics instrument"),
        _("build a pairing plan for the whole region"),
    ],
    Role.METHODOLOGIST: [
        _("import your municipality's schools and exam results"),
        _("see each school's category with its reasons and override it with a written reason"),
        _("run diagnostics cycles and pair supported schools with leader schools and partners"),
        _("plan network events"),
    ],
    Role.CURATOR: [
        _("follow your assigned schools and their roadmaps"),
        _("comment, rate progress and approve roadmaps"),
        _("print progress reports"),
    ],
    Role.DIRECTOR: [
        _("keep your school's contacts and context up to date"),
        _("fill in the school's self-diagnosis"),
        _("keep your roadmap current with evidence"),
        _("sign partnership agreements"),
    ],
    Role.TEACHER: [
        _("answer the survey of teachers' difficulties"),
        _("register for network events and download certificates"),
    ],
    Role.PARTNER: [
        _("see your organisation's partnerships and events"),
        _("see and update the roadmap items your organisation is responsible for, with reminders"),
        _("take part in network events"),
    ],
}

#: A staff superuser holds no role assignment; the home page still says what they can do.
ADMIN_CAPABILITIES = [
    _("see every region, municipality and school"),
    _("grant and revoke roles in the administration"),
    _("edit reference data and correct any record"),
]
