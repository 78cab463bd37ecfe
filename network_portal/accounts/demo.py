"""One demo user per role (issue 3): logins ``<role>@demo.local``."""

from django.apps import apps

from .models import Role, RoleAssignment, User

DIRECTOR_SCHOOL = "МОБУ «СОШ № 5»"
CURATED_SCHOOLS = (
    "МОБУ «СОШ № 5»",
    "МОБУ «СОШ № 3»",
    "МОБУ «СОШ № 2»",
    "МОБУ «ООШ № 1»",
    "МКОУ «О(С)ОШ № 14»",
)
PARTNER_ORGANISATION = "ГАПОУ «Северогорский политехнический колледж»"

# e-mail, last name, first name, patronymic, position
USERS = {
    "admin": (
        "admin@demo.local",
        "Смирнов",
        "Алексей",
        "Викторович",
        "Администратор портала",
    ),
    "coordinator": (
        "coordinator@demo.local",
        "Васильева",
        "Татьяна",
        "Николаевна",
        "Региональный координатор",
    ),
    "methodist": (
        "methodist@demo.local",
        "Федотова",
        "Нина",
        "Эдуардовна",
        "Начальник информационно-методического отдела",
    ),
    "curator": ("curator@demo.local", "Соколова", "Анна", "Павловна", "Куратор"),
    "director": ("director@demo.local", "Орлова", "Елена", "Сергеевна", "Директор"),
    "teacher": ("teacher@demo.local", "Петров", "Михаил", "Андреевич", "Учитель математики"),
    "partner": ("partner@demo.local", "Яковлев", "Игорь", "Степанович", "Заместитель директора"),
}


def _user(key: str, password: str, **flags) -> User:
    return demo_user(USERS[key], password, **flags)


def demo_user(person: tuple[str, str, str, str, str], password: str, **flags) -> User:
    """A demo user (e-mail, last, first and middle name, position), created once: a second
    run keeps it and its password as they are. Other apps' demos use it too."""
    email, last, first, middle, position = person
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "position": position,
            **flags,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _grant(user: User, role: str, **scope) -> None:
    RoleAssignment.objects.get_or_create(user=user, role=role, **scope)


def run(*, password: str) -> dict[str, str]:
    Organisation = apps.get_model("schools", "Organisation")
    Municipality = apps.get_model("schools", "Municipality")
    from schools.demo import MUNICIPALITY

    municipality = Municipality.objects.select_related("region").get(name=MUNICIPALITY)
    orgs = {o.short_name: o for o in Organisation.objects.filter(municipality=municipality)}

    _user("admin", password, is_staff=True, is_superuser=True)
    _grant(_user("coordinator", password), Role.COORDINATOR, region=municipality.region)
    _grant(_user("methodist", password), Role.METHODOLOGIST, municipality=municipality)
    curator = _user("curator", password)
    for name in CURATED_SCHOOLS:
        _grant(curator, Role.CURATOR, organisation=orgs[name])
    _grant(_user("director", password), Role.DIRECTOR, organisation=orgs[DIRECTOR_SCHOOL])
    _grant(_user("teacher", password), Role.TEACHER, organisation=orgs[DIRECTOR_SCHOOL])
    _grant(_user("partner", password), Role.PARTNER, organisation=orgs[PARTNER_ORGANISATION])
    return {key: value[0] for key, value in USERS.items()}
