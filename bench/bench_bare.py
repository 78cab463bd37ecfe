"""Each heavy page against a bare page of the same rows, in the same run (issue 17, item 5).

The bare page goes through the same middleware, session and database as the real one, runs
one ``.values()`` query for the same rows and renders them with a plain template (no base
layout, no includes). Pages are requested in alternating pairs (real, bare) through Django's
test client, 60 pairs per round, 3 rounds; the table shows the median wall time and this
process's CPU time of each, and their ratio (target ≤ 2×):

* the school list, 50 schools of the region per page;
* the whole school card (every registered section);
* a roadmap page of 200 items (the director's view, inline forms; its first window of 50
  cards, so the bare page shows those 50 rows).

Usage (a region from ``bench/bench_reports.py --populate-only`` in the same database; ``--out``
keeps the figures as JSON for ``bench/bench_issue17.py``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_i17 \\
        .venv/bin/python bench/bench_bare.py [--pairs 60] [--rounds 3] [--only list|card|roadmap] \\
        [--out bench/out/bare-2000.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402

BARE = engines["django"].from_string(
    "<!doctype html><html lang='ru'><body><h1>{{ title }}</h1><table>"
    "{% for r in rows %}<tr>{% for v in r.values %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}"
    "</table></body></html>"
)


def _bare(title: str, rows) -> HttpResponse:
    return HttpResponse(BARE.render({"title": title, "rows": rows}))


def bare_schools(request):
    from schools.models import Organisation

    page = int(request.GET.get("page", 1))
    rows = (
        Organisation.objects.schools()
        .order_by("sort_name", "pk")
        .values("pk", "short_name", "inn", "kind", "municipality__name")[
            (page - 1) * 50 : page * 50
        ]
    )
    return _bare("Школы", rows)


def bare_card(request, pk: int):
    from schools.models import Organisation

    rows = Organisation.objects.filter(pk=pk).values(
        "pk", "short_name", "full_name", "inn", "address", "director_name", "municipality__name"
    )
    return _bare("Школа", rows)


def bare_roadmap(request, pk: int):
    from roadmaps.models import RoadmapItem
    from roadmaps.selectors import ITEM_WINDOW

    # The rows the real page shows: its first window of cards (the rest come on «Показать ещё»).
    rows = (
        RoadmapItem.objects.filter(roadmap_id=pk)
        .order_by("position", "pk")
        .values("pk", "task", "measure", "status", "due_date", "responsible_person")
    )[:ITEM_WINDOW]
    return _bare("Дорожная карта", rows)


urlpatterns = [
    path("bare/schools/", bare_schools),
    path("bare/schools/<int:pk>/", bare_card),
    path("bare/roadmaps/<int:pk>/", bare_roadmap),
    path("", include(settings.ROOT_URLCONF)),
]


def _roadmap_of_200(school_id: int, director):
    from roadmaps.models import Roadmap, RoadmapItem

    roadmap = Roadmap.objects.filter(title="Бенч: 200 мероприятий").first()
    if roadmap:
        return roadmap
    roadmap = Roadmap.objects.create(
        organisation_id=school_id, title="Бенч: 200 мероприятий", status="approved"
    )
    today = django.utils.timezone.localdate()
    RoadmapItem.objects.bulk_create(
        RoadmapItem(
            roadmap=roadmap,
            task=f"Мероприятие {k + 1}",
            measure="Семинар, методический день, взаимопосещение уроков",
            responsible_user=director,
            responsible_person="Заместитель директора по УВР",
            start_date=today - timedelta(days=200),
            due_date=today + timedelta(days=k - 100),
            status=("planned", "in_progress", "done", "cancelled")[k % 4],
            position=k,
        )
        for k in range(200)
    )
    return roadmap


def _timed(client, url) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only", choices=("list", "card", "roadmap"), help="run one page's pairs only"
    )
    parser.add_argument("--out", help="also write the figures to this JSON file")
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    from django.test import Client

    from network_portal.accounts.models import Role, RoleAssignment
    from schools.models import Organisation

    coordinator = RoleAssignment.objects.filter(role=Role.COORDINATOR).first().user
    director = RoleAssignment.objects.filter(role=Role.DIRECTOR).order_by("pk").first()
    roadmap = _roadmap_of_200(director.organisation_id, director.user)
    school = director.organisation_id
    cases = [
        ("school list, 50 per page", coordinator, reverse("schools:list") + "?page=3",
         "/bare/schools/?page=3"),
        ("school card, whole", coordinator, reverse("schools:detail", args=[school]),
         f"/bare/schools/{school}/"),
        ("roadmap page, 200 items", director.user, reverse("roadmaps:detail", args=[roadmap.pk]),
         f"/bare/roadmaps/{roadmap.pk}/"),
    ]  # fmt: skip
    if args.only:
        cases = [cases[("list", "card", "roadmap").index(args.only)]]
    figures: dict = {
        "schools": Organisation.objects.schools().count(),
        "load average": round(os.getloadavg()[0], 1),
    }
    gc.collect()
    gc.freeze()  # as network_portal/wsgi.py does after start-up
    print(f"load average before: {figures['load average']:.1f}")
    print(f"{'page':<26} {'real ms':>8} {'bare ms':>8} {'ratio':>6} {'CPU real':>9} "
          f"{'CPU bare':>9} {'ratio':>6}")  # fmt: skip
    for label, user, real_url, bare_url in cases:
        client = Client()
        client.force_login(user)
        for url in (real_url, bare_url):  # warm caches, session, templates
            _timed(client, url)
        real, bare = [], []
        for _ in range(args.rounds):
            for _ in range(args.pairs):
                real.append(_timed(client, real_url))
                bare.append(_timed(client, bare_url))
        rw, bw = (statistics.median(x[0] for x in s) * 1000 for s in (real, bare))
        rc, bc = (statistics.median(x[1] for x in s) * 1000 for s in (real, bare))
        print(f"{label:<26} {rw:8.1f} {bw:8.1f} {rw / bw:5.1f}× {rc:9.1f} {bc:9.1f} "
              f"{rc / bc:5.1f}×")  # fmt: skip
        figures.update({
            f"{label}, real ms": round(rw, 1), f"{label}, bare ms": round(bw, 1),
            f"{label}, ratio": round(rw / bw, 2), f"{label}, CPU ratio": round(rc / bc, 2),
        })  # fmt: skip
    figures["load average after"] = round(os.getloadavg()[0], 1)
    print(f"load average after: {figures['load average after']:.1f}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
