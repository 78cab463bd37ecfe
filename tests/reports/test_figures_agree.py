"""One definition per figure (issue 15): every page and PDF that shows a figure shows the same
value for the same data — schools per category (newest year only), «has a partner», roadmap
completion and overdue items."""

import re
import subprocess
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import OrganisationFactory
from tests.tools import require_tool

from .factories import (
    CategoryAssignmentFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
    RoadmapFactory,
    RoadmapItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality(world):
    """10 active schools in «Первый округ» (3 made by ``world`` + 7), each with a category for
    2025 and 2026 (the old chart counted 2 per school); supported in 2026: 6 schools. Their
    partnerships: active, agreed, proposed (not a partner yet), completed (no longer) and
    none twice — 2 have a partner, 4 have none. One roadmap of 20 items: 4 done, 2 overdue,
    2 cancelled (not counted), 10 not begun yet."""
    today = timezone.localdate()
    schools = [world.school, world.leader, world.partner_org]
    schools += [
        OrganisationFactory(municipality=world.mun, short_name=f"МОБУ «СОШ № {n}»")
        for n in (11, 12, 13, 14, 15, 16, 17)
    ]
    supported = [world.school, *schools[3:8]]  # 6
    for org in schools:
        CategoryAssignmentFactory(organisation=org, year=2025, category="risk")
        category = "shnor" if org in supported else "leader" if org == world.leader else "other"
        CategoryAssignmentFactory(organisation=org, year=2026, category=category)
    for org, status in zip(supported, ("active", "agreed", "proposed", "completed"), strict=False):
        pair = PartnershipFactory(municipality=world.mun, status=status)
        PartnershipMemberFactory(partnership=pair, organisation=org, role="supported")
        PartnershipMemberFactory(partnership=pair, organisation=world.leader, role="leader")
    roadmap = RoadmapFactory(organisation=world.school)
    for i in range(20):
        if i < 4:
            kwargs = {"status": "done", "due_date": today - timedelta(days=10 + i)}
        elif i < 6:
            kwargs = {"status": "in_progress", "due_date": today - timedelta(days=3)}
        elif i < 8:
            kwargs = {"status": "cancelled", "due_date": today - timedelta(days=3)}
        elif i < 10:
            kwargs = {"status": "planned", "due_date": today + timedelta(days=20)}
        else:  # planned items that begin after today (the old PDF left them out)
            kwargs = {
                "status": "planned",
                "start_date": today + timedelta(days=30),
                "due_date": today + timedelta(days=90),
            }
        RoadmapItemFactory(roadmap=roadmap, **kwargs)
    return {"roadmap": roadmap, "schools": schools, "supported": supported}


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_page_and_pdf_agrees(client_for, users, world, municipality, tmp_path):
    methodologist = client_for(users.methodologist)
    response = methodologist.get(reverse("ui:home"))
    home = text_of(response)
    # schools per category, as the methodologist's panel tables them (its chart's text
    # alternative): each of the 10 schools once (its 2026 category), not 20
    panel = response.content.decode().split('id="panel-methodologist"', 1)[1]
    table = re.search(r"<caption>Школы по категориям</caption><tbody>(.*?)</tbody>", panel, re.S)
    categories = re.findall(r'<th scope="row">([^<]*)</th><td>(\d+)</td>', table[1])
    assert sum(int(n) for _label, n in categories) == 10
    assert {unescape(label)[-6:]: int(n) for label, n in categories}["(ШНОР)"] == 6
    assert "Каждая действующая школа считается один раз" in home
    # has a partner: 2 of 6 supported schools; 4 without — on the home page twice, impact,
    # monitoring
    assert "Поддерживаемых школ с партнёром: 2 из 6" in home
    assert "4 поддерживаемые школы пока без партнёра" in home
    assert "Каждая поддерживаемая школа" not in home.replace(
        "Каждая поддерживаемая школа вашей", ""
    )
    impact = text_of(methodologist.get(reverse("reports:impact")))
    assert "без партнёрства — 4" in impact
    monitoring = methodologist.get(reverse("reports:monitoring"))
    rows = monitoring.context["rows"]
    assert len(rows) == 6
    assert (
        sum(1 for r in rows if any(p["status"] in ("agreed", "active") for p in r.partnerships))
        == 2
    )
    assert monitoring.context["page"].paginator.count == 6
    assert (
        methodologist.get(reverse("reports:monitoring"), {"partner": "no"})
        .context["page"]
        .paginator.count
        == 4
    )
    # roadmap completion: 4 done of the 18 items not cancelled (22 %), everywhere
    roadmap = municipality["roadmap"]
    detail = text_of(methodologist.get(reverse("roadmaps:detail", args=[roadmap.pk])))
    assert "4 / 18" in detail and "22%" in detail
    printed = text_of(methodologist.get(reverse("roadmaps:print", args=[roadmap.pk])))
    assert "Выполнено: 22% (4 из 18 пунктов), просрочено: 2" in printed
    assert "выполнено 4 из 18 пунктов" in home and "22 %" in home
    five = next(r for r in rows if r.school.pk == world.school.pk)
    assert (five.percent, five.school.n_done, five.school.n_items, five.school.n_overdue) == (
        22,
        4,
        18,
        2,
    )
    overview = methodologist.get(reverse("roadmaps:overview"))
    overview_rows = overview.context["rows"]
    assert len(overview_rows) == 6  # every supported school, five of them without a roadmap
    assert text_of(overview).count("нет дорожной карты") == 5
    assert [r.percent for row in overview_rows for r in row["roadmaps"]] == [22]
    coordinator = text_of(client_for(users.coordinator).get(reverse("ui:home")))
    assert "22 % (4/18)" in coordinator and "1 / 6" in coordinator
    curator = text_of(client_for(users.curator).get(reverse("ui:home")))
    assert "22 % (4/18)" in curator
    # the progress report PDF, its period ending today: the same 4 of 18 (22 %)
    out = tmp_path / "report.pdf"
    today = timezone.localdate()
    call_command(
        "build_report",
        "school",
        world.school.short_name,
        "--output",
        str(out),
        "--start",
        (today - timedelta(days=300)).isoformat(),
        "--end",
        today.isoformat(),
    )
    raw = subprocess.run(  # noqa: S603 — a fixed tool on a file the test wrote
        [require_tool("pdftotext"), str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    pdf = " ".join(raw.split())
    assert "Выполнено 4 из 18 пунктов (22 %)" in pdf
