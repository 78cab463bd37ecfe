"""THE access matrix: for every URL name of the portal, what each actor gets.

Every URL pattern in the urlconf must have an entry here (``admin:*`` pages are checked by
one rule in test_access_matrix.py: staff only). When you add a page, add its line: who may
open it (``ok``), what everybody else gets (``other``: 404 for an object outside their
scope, 403 for one they see but may not change), and how to fill its URL from the objects
of tests/security/objects.py. Read routes.py for the vocabulary.
"""

from __future__ import annotations

from tests.diagnostics import matrix as diagnostics_matrix
from tests.knowledge import matrix as knowledge_matrix
from tests.partnerships import matrix as partnerships_matrix
from tests.schools import matrix as schools_matrix

from . import matrix_late
from .routes import (
    LOGGED_IN,
    LOGIN,
    REDIRECT,
    SCHOOL_READERS,
    SCHOOL_STAFF,
    TERRITORY,
    Route,
    everyone,
    public,
)

#: Staff of ``world.school`` who see its card but may not change it.
_SEE_ONLY = {"curator": 403, "teacher": 403}

MATRIX: dict[str, Route] = {
    # --- platform -----------------------------------------------------------------------
    "healthz": public(),
    "ui:home": everyone(),
    "accounts:login": public(expect=dict.fromkeys(LOGGED_IN, REDIRECT)),
    # Logging out leads to the login page (LOGOUT_REDIRECT_URL), as does the anonymous visit.
    "accounts:logout": everyone(method="post", ok_status=LOGIN),
    "accounts:profile": everyone(),
    "accounts:password_change": everyone(),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    # An invalid link renders the "link is no longer valid" page.
    "accounts:password_reset_confirm": public(
        args={"uidb64": lambda o: "MQ", "token": lambda o: "bad-token"}
    ),
    "accounts:password_reset_complete": public(),
    # Jobs: only the requester (here the director) and the admin see a private kind's job.
    "documents:list": everyone(),
    "documents:detail": Route(args={"pk": "job"}, ok=("admin", "director"), htmx=True),
    "documents:download": Route(args={"pk": "job"}, ok=("admin", "director")),
    "documents:retry": Route(
        method="post", args={"pk": "failed_job"}, ok=("admin", "director"), ok_status=REDIRECT
    ),
    # --- schools ------------------------------------------------------------------------
    "schools:list": everyone(),
    "schools:export": everyone(args={"fmt": lambda o: "csv"}),
    "schools:detail": Route(args={"pk": "school"}, ok=SCHOOL_READERS),
    "schools:edit": Route(args={"pk": "school"}, ok=(*TERRITORY, "director"), expect=_SEE_ONLY),
    "schools:context_edit": Route(
        args={"pk": "school"}, ok=(*TERRITORY, "director"), expect=_SEE_ONLY
    ),
    "schools:category_override": Route(
        method="post",
        args={"pk": "school"},
        ok=TERRITORY,
        ok_status=200,  # the empty form comes back on the card with its errors
        expect=dict.fromkeys(SCHOOL_STAFF, 403),
    ),
    "schools:category_override_withdraw": Route(
        method="post",
        args={"pk": "school", "year": lambda o: 2025},
        ok=TERRITORY,
        ok_status=REDIRECT,
        expect=dict.fromkeys(SCHOOL_STAFF, 403),
    ),
    "schools:rules": Route(ok=("admin", "coordinator"), other=403),
    "schools:rules_print": Route(ok=("admin", "coordinator"), other=403),
    "schools:rules_export": Route(ok=("admin", "coordinator"), other=403),
    "schools:rules_load": Route(
        method="post", ok=("admin", "coordinator"), ok_status=REDIRECT, other=403
    ),
    "schools:municipality_list": Route(ok=("admin", "coordinator"), other=403),
    "schools:municipality_list_confirm": Route(
        method="post", ok=("admin", "coordinator"), ok_status=REDIRECT, other=403
    ),
    "schools:imports": Route(ok=(*TERRITORY, "outsider"), other=403),
    "schools:import_new": Route(ok=(*TERRITORY, "outsider"), other=403),
    "schools:import_detail": Route(
        args={"pk": schools_matrix.import_run},
        ok=TERRITORY,
        other=403,
        expect={"outsider": 404},
        htmx=True,
    ),
    "schools:import_mapping": Route(
        args={"pk": schools_matrix.import_run}, ok=TERRITORY, other=403, expect={"outsider": 404}
    ),
    "schools:import_preview": Route(
        args={"pk": schools_matrix.import_run}, ok=TERRITORY, other=403, expect={"outsider": 404}
    ),
    # --- diagnostics --------------------------------------------------------------------
    **diagnostics_matrix.ROUTES,
    # --- partnerships -------------------------------------------------------------------
    **partnerships_matrix.ROUTES,
    # --- roadmaps, events, reports, notifications (objects and rules in matrix_late.py) -----
    "roadmaps:list": everyone(),
    "events:list": everyone(),
    **matrix_late.ROUTES,
    # --- knowledge base (objects and rules in tests/knowledge/matrix.py) -------------------
    **knowledge_matrix.ROUTES,
}
