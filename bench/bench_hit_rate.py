"""How often the kept pages are served kept in a working day's mix of views and writes
(issue 17, item 5: the card and the roadmap page are within 2× of a bare page when kept, about
9× and 5× when rendered anew, so what matters is how often a view finds its body kept).

A model of a region's working hours, on a copy of a region from ``bench/bench_reports.py
--populate-only`` (the script writes to it):

* **views**: a pool of ``--pages`` (person, page) pairs — curators their schools' cards and
  roadmap pages, methodologists their municipality's cards, directors their own roadmap page and
  card — each view one of them at random (seeded), through Django's test client;
* **writes**, ``--writes`` per 100 views, of four kinds in the ``--mix`` shares, through the
  services the views call: a director saves one of their roadmap items (``item``), a curator
  comments on an item (``comment``), a director registers for (or leaves) one of five
  upcoming events (``registration``), a curator raises a concern about a school
  (``concern``).

The pool is viewed once before the clock starts (every body kept); then each view counts as
kept when ``card_cache.lookup`` found its body. Printed per page kind and overall, with the
median time of a kept and of a fresh view::

    createdb -h 127.0.0.1 -U postgres -T portal_i17pages portal_hits
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_hits \\
        .venv/bin/python bench/bench_hit_rate.py [--views 2000] [--writes 10] \\
        [--mix item=50,comment=15,registration=25,concern=10] [--out bench/out/hits.json]

The shares are an assumption (no production log exists yet): change ``--mix`` and
``--writes`` to see how the rate moves; ``--mix registration=100`` isolates one kind.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
# One process: its memory cache is as shared as Redis (``CACHE_URL=redis://…`` works too); big
# enough for every kept body (Django's memory cache keeps 300 entries by default).
os.environ.setdefault("CACHE_URL", "locmemcache://?max_entries=1000000")
os.environ.setdefault("SCHOOL_CARD_CACHE", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

KINDS = ("item", "comment", "registration", "concern")


def _pool(rng: random.Random, size: int) -> list[tuple[object, str, str]]:
    """(user, url, page kind) pairs: whom the region's people look at during a day."""
    from network_portal.accounts.models import Role, RoleAssignment
    from roadmaps.models import Roadmap

    roadmap_of = dict(Roadmap.objects.values_list("organisation_id", "pk"))
    pairs: list[tuple[object, str, str]] = []

    def card(user, school):
        pairs.append((user, reverse("schools:detail", args=[school]), "card"))

    def roadmap(user, school):
        if school in roadmap_of:
            pairs.append(
                (user, reverse("roadmaps:detail", args=[roadmap_of[school]]), "roadmap page")
            )

    by_role: dict[str, list] = {}
    for a in RoleAssignment.objects.select_related("user").filter(
        role__in=(Role.CURATOR, Role.METHODOLOGIST, Role.DIRECTOR)
    ):
        by_role.setdefault(a.role, []).append(a)
    curators = rng.sample(by_role[Role.CURATOR], min(len(by_role[Role.CURATOR]), size // 8))
    for a in curators:  # a curator's five schools: card and roadmap
        card(a.user, a.organisation_id)
        roadmap(a.user, a.organisation_id)
    from schools.models import Organisation

    for a in by_role[Role.METHODOLOGIST][:10]:
        schools = list(
            Organisation.objects.schools()
            .filter(municipality_id=a.municipality_id)
            .values_list("pk", flat=True)[:20]
        )
        for school in schools:
            card(a.user, school)
    directors = rng.sample(by_role[Role.DIRECTOR], min(len(by_role[Role.DIRECTOR]), size // 4))
    for a in directors:
        card(a.user, a.organisation_id)
        roadmap(a.user, a.organisation_id)
    rng.shuffle(pairs)
    return pairs[:size]


class _Writer:
    """The day's writes, each through the service a page calls."""

    def __init__(self, rng: random.Random, pool):
        from events.models import Event
        from network_portal.accounts.models import Role, RoleAssignment
        from roadmaps.models import RoadmapItem

        self.rng = rng
        schools = {
            int(url.rstrip("/").rsplit("/", 1)[-1]) for _, url, kind in pool if kind == "card"
        }
        directors = RoleAssignment.objects.filter(role=Role.DIRECTOR).select_related("user")
        self.directors = [a for a in directors if a.organisation_id in schools] or list(
            directors[:100]
        )
        self.curators = list(
            RoleAssignment.objects.filter(
                role=Role.CURATOR, organisation_id__in=schools
            ).select_related("user", "organisation")
        )
        self.items = list(
            RoadmapItem.objects.filter(roadmap__organisation_id__in=schools).select_related(
                "roadmap"
            )[:2000]
        )
        template = Event.objects.order_by("pk").first()
        start = timezone.now() + timedelta(days=20)
        self.events = []
        for n in range(5):
            event = Event.objects.create(
                title=f"Бенч: семинар {n + 1}",
                municipality_id=template.municipality_id,
                organiser_id=template.organiser_id,
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=2),
                status="published",
                for_administration=True,
            )
            self.events.append(event)

    def write(self, kind: str) -> None:
        from events import services as events
        from events.models import Registration, RegistrationStatus
        from roadmaps import services as roadmaps

        rng = self.rng
        if kind == "item":
            item = rng.choice(self.items)
            item.refresh_from_db()
            director = (
                next(
                    (
                        a.user
                        for a in self.directors
                        if a.organisation_id == item.roadmap.organisation_id
                    ),
                    None,
                )
                or rng.choice(self.directors).user
            )
            roadmaps.item_save(
                item=item,
                data={"actual_text": f"Проведено: {rng.randrange(1000)}"},
                version=item.version,
                user=director,
            )
        elif kind == "comment" and self.curators:
            a = rng.choice(self.curators)
            item = next(
                (i for i in self.items if i.roadmap.organisation_id == a.organisation_id), None
            )
            if item is not None:
                roadmaps.item_comment(item=item, user=a.user, text="Посмотрите, пожалуйста.")
        elif kind == "registration":
            user, event = rng.choice(self.directors).user, rng.choice(self.events)
            current = Registration.objects.filter(event=event, user=user).first()
            if current is not None and current.status != RegistrationStatus.CANCELLED:
                events.registration_cancel(registration=current)
            else:
                events.registration_register(event=event, user=user)
        elif kind == "concern" and self.curators:
            a = rng.choice(self.curators)
            roadmaps.concern_raise(organisation=a.organisation, user=a.user, text="Нет отчёта.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=600, help="(person, page) pairs viewed")
    parser.add_argument("--writes", type=float, default=10, help="writes per 100 views")
    parser.add_argument("--mix", default="item=50,comment=15,registration=25,concern=10")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    from schools import card_cache

    mix = {k: float(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    assert set(mix) <= set(KINDS), f"--mix kinds are {KINDS}"
    rng = random.Random(args.seed)
    pool = _pool(rng, args.pages)
    writer = _Writer(rng, pool)
    clients: dict[int, Client] = {}

    def client_of(user) -> Client:
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        return clients[user.pk]

    found: list[bool] = []
    real_lookup = card_cache.lookup

    def counting_lookup(*a, **kw):
        kept = real_lookup(*a, **kw)
        found.append(kept is not None and kept.body is not None)
        return kept

    card_cache.lookup = counting_lookup
    for user, url, _kind in pool:  # the morning's first look: every body kept
        assert client_of(user).get(url).status_code == 200, url
    seen: Counter = Counter()
    kept: Counter = Counter()
    times: dict[bool, list[float]] = {True: [], False: []}
    writes: Counter = Counter()
    kinds, weights = list(mix), list(mix.values())
    for _ in range(args.views):
        if rng.random() * 100 < args.writes:
            kind = rng.choices(kinds, weights)[0]
            writer.write(kind)
            writes[kind] += 1
        user, url, page = rng.choice(pool)
        found.clear()
        started = time.perf_counter()
        assert client_of(user).get(url).status_code == 200, url
        elapsed = time.perf_counter() - started
        hit = bool(found) and found[0]
        seen[page] += 1
        kept[page] += hit
        times[hit].append(elapsed * 1000)
    card_cache.lookup = real_lookup
    figures = {
        "views": args.views,
        "pages in the pool": len(pool),
        "writes": dict(writes),
        "mix": mix,
        "writes per 100 views": args.writes,
        "load average": round(os.getloadavg()[0], 1),
    }
    print(f"{len(pool)} (person, page) pairs, {args.views} views, writes {dict(writes)}")
    for page in sorted(seen):
        share = kept[page] / seen[page]
        figures[f"{page}, kept share"] = round(share, 3)
        print(f"{page:<14} {seen[page]:>6} views  kept {share:6.1%}")
    total = sum(kept.values()) / max(1, sum(seen.values()))
    figures["kept share"] = round(total, 3)
    for hit, label in ((True, "kept"), (False, "rendered anew")):
        if times[hit]:
            figures[f"median ms, {label}"] = round(statistics.median(times[hit]), 1)
    print(
        f"all            {sum(seen.values()):>6} views  kept {total:6.1%}; median "
        + ", ".join(
            f"{k.split(', ')[1]} {v} ms" for k, v in figures.items() if k.startswith("median")
        )
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
