from types import SimpleNamespace

import pytest

from .factories import RoadmapFactory, RoadmapItemFactory, partnership_of


@pytest.fixture
def rm(world, users):
    """A partnership roadmap of ``world.school`` (supported) with ``world.leader`` (leader)
    and ``world.partner_org`` (partner): one item of the school, one co-owned by the leader."""
    partnership = partnership_of(
        supported=world.school, leader=world.leader, partners=[world.partner_org]
    )
    roadmap = RoadmapFactory(organisation=world.school, partnership=partnership)
    own = RoadmapItemFactory(roadmap=roadmap, task="Своя задача школы")
    shared = RoadmapItemFactory(
        roadmap=roadmap, task="Совместная задача", co_responsible_organisation=world.leader
    )
    return SimpleNamespace(roadmap=roadmap, partnership=partnership, own=own, shared=shared)
