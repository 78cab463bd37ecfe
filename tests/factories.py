"""Factories of the platform and of the ``schools`` core, shared by every test package.

Each domain test package keeps the factories of its own models in ``tests/<app>/factories.py``.
"""

import factory
from factory.django import DjangoModelFactory

from network_portal.accounts.models import Role, RoleAssignment, User
from schools.models import Municipality, Organisation, OrganisationKind, Region
from schools.validators import _INN10, _inn_digit


def valid_inn(n: int) -> str:
    base = f"77{n:07d}"
    return f"{base}{_inn_digit(base, _INN10)}"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Область {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Муниципальный округ {n}")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = OrganisationKind.SCHOOL
    short_name = factory.Sequence(lambda n: f"МОБУ «СОШ № {n}»")
    full_name = factory.LazyAttribute(lambda o: f"Муниципальное учреждение {o.short_name}")
    inn = factory.Sequence(valid_inn)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    last_name = factory.Sequence(lambda n: f"Иванов{n}")
    first_name = "Иван"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.DIRECTOR
