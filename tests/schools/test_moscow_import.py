"""The real Moscow open-data files import with the counts their README states.

The files are vendored byte for byte in ``tests/data/moscow/`` (open data, see its README for
provenance, licence and checksums), so these tests run on every clone and in CI.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from schools.models import AssessmentResult, ImportRun, Municipality, Organisation, Region

MOSCOW = Path(__file__).resolve().parent.parent / "data" / "moscow"
SCHOOLS = MOSCOW / "data-20130909T0800.csv"
LYCEUMS = MOSCOW / "data-20131031T1206-structure-20131031T1206.csv"
GYMNASIUMS = MOSCOW / "data-20131031T1325-structure-20131031T1325.csv"
EGE = MOSCOW / "data-9722-2016-10-31.csv"


@pytest.fixture
def moscow(db):
    region = Region.objects.create(name="Москва")
    return Municipality.objects.create(region=region, name="Москва")


def _import_schools(path, **options):
    call_command(
        "import_schools", str(path), municipality="Москва", stdout=io.StringIO(), **options
    )
    return ImportRun.objects.latest("pk")


def _codes(run):
    return [i["code"] for i in run.issues]


def test_school_registry_collapses_buildings_into_827_organisations(moscow):
    run = _import_schools(SCHOOLS)
    assert run.total_rows == 1230
    assert run.encoding == "utf-8-sig" and run.delimiter == ";"
    assert run.counts["new"] == 827
    assert run.counts["invalid"] == 0
    assert run.counts["merged"] == 1230 - 827
    assert Organisation.objects.filter(municipality=moscow).count() == 827
    codes = _codes(run)
    # 208 names have several rows: 205 groups of buildings with other coordinates, and the
    # 5 pairs of identical rows (3 of them the only duplicates of their name).
    assert codes.count("buildings") == 205
    assert codes.count("duplicate_row") == 5
    # 40 rows without an okrug are reported, not silently dropped.
    assert codes.count("empty_district") == 40
    # The header's trailing ';' adds no column, the BOM does not spoil the first header.
    assert run.headers[0] == "ROWNUM" and run.headers[-1] == "global_id"


def test_school_registry_decimal_comma_coordinates_and_kinds(moscow):
    _import_schools(SCHOOLS)
    org = Organisation.objects.exclude(latitude=None).first()
    assert 55 < org.latitude < 57 and 37 < org.longitude < 38
    # ROWNUM 825 is a sports college despite «Средняя общеобразовательная школа».
    assert Organisation.objects.filter(kind="college").count() == 1


def test_second_import_of_the_same_file_changes_nothing(moscow):
    _import_schools(SCHOOLS)
    before = list(Organisation.objects.order_by("pk").values_list("pk", "updated_at"))
    run = _import_schools(SCHOOLS)
    assert run.counts["new"] == 0 and run.counts["updated"] == 0
    assert run.counts["unchanged"] == 827
    assert list(Organisation.objects.order_by("pk").values_list("pk", "updated_at")) == before


@pytest.mark.parametrize(
    ("path", "rows", "organisations", "recovered"),
    [(LYCEUMS, 91, 43, 22), (GYMNASIUMS, 169, 89, 44)],
)
def test_unescaped_quotes_are_recovered_and_reported(moscow, path, rows, organisations, recovered):
    run = _import_schools(path)
    assert run.total_rows == rows
    assert run.delimiter == ","
    assert run.counts["new"] == organisations
    assert _codes(run).count("recovered_quotes") == recovered
    # The recovery keeps the inner quotes instead of mangling the name.
    assert Organisation.objects.filter(full_name__contains='№ 1546 "Плехановец"').exists() == (
        path == LYCEUMS
    )
    assert not Organisation.objects.filter(full_name__endswith='""').exists()


def test_ege_file_imports_626_organisations_by_ogrn_and_their_results(moscow):
    _import_schools(SCHOOLS)
    run = _import_schools(EGE)
    assert run.total_rows == 626 and run.counts["invalid"] == 0
    # 13 ЕГЭ names equal a registry name after normalisation: matched, not duplicated.
    assert run.counts["new"] == 613 and run.counts["updated"] == 13
    assert Organisation.objects.exclude(ogrn="").count() == 626
    call_command("import_results", str(EGE), kind="ege", year=2016, stdout=io.StringIO())
    results = AssessmentResult.objects.filter(kind="ege", year=2016)
    assert results.count() == 626
    # PASSER_UNDER_160 counts pupils at 160 or above: never stored as below the threshold.
    assert not results.exclude(below_threshold=None).exists()
    assert all(r.high_results <= r.middle_or_above <= r.participants for r in results)
    assert sum(r.participants for r in results) == 66461
    call_command("import_results", str(EGE), kind="ege", year=2016, stdout=io.StringIO())
    again = ImportRun.objects.latest("pk")
    assert again.counts["unchanged"] == 626 and again.counts["new"] == 0


def test_ege_file_imported_twice_as_organisations_reports_zero_changes(moscow):
    """13 ЕГЭ rows match registry schools by name (spelt differently) and get their ОГРН; the
    second import matches them by ОГРН and must not rename them to the file's spelling."""
    _import_schools(SCHOOLS)
    first = _import_schools(EGE)
    assert first.counts["new"] == 613 and first.counts["updated"] == 13
    before = list(Organisation.objects.order_by("pk").values_list("pk", "full_name", "updated_at"))
    again = _import_schools(EGE)
    assert again.counts["new"] == 0 and again.counts["updated"] == 0
    assert again.counts["unchanged"] == 626
    after = list(Organisation.objects.order_by("pk").values_list("pk", "full_name", "updated_at"))
    assert after == before


def test_vendored_files_are_the_published_bytes():
    """tests/data/.gitattributes keeps git from touching line ends (one file is CRLF)."""
    import hashlib

    checksums = {
        line.split()[1]: line.split()[0]
        for line in (MOSCOW / "README.md").read_text().split("```")[-2].strip().splitlines()
    }
    assert len(checksums) == 4
    for name, digest in checksums.items():
        assert hashlib.sha256((MOSCOW / name).read_bytes()).hexdigest() == digest, name


def test_ege_year_column_must_match_the_chosen_year(moscow):
    _import_schools(EGE)
    with pytest.raises(CommandError, match="Ошибочных строк: 626"):
        call_command("import_results", str(EGE), kind="ege", year=2015, stdout=io.StringIO())
    run = ImportRun.objects.latest("pk")
    assert run.status == "rejected" and run.counts["invalid"] == 626
    assert "2016" in run.issues[0]["message"] and "2015" in run.issues[0]["message"]
    assert not AssessmentResult.objects.exists()


def test_lyceum_file_through_the_wizard(moscow, client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from network_portal.accounts.models import Role, RoleAssignment
    from tests.factories import UserFactory

    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.METHODOLOGIST, municipality=moscow)
    client.force_login(user)
    upload = SimpleUploadedFile(LYCEUMS.name, LYCEUMS.read_bytes(), content_type="text/csv")
    client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": moscow.pk, "file": upload},
    )
    run = ImportRun.objects.get()
    assert run.mapping["full_name"] == "name" and run.mapping["latitude"] == "Y"
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    preview = client.get(reverse("schools:import_preview", args=[run.pk])).context["run"]
    assert preview.counts["new"] == 43 and preview.counts["invalid"] == 0
    assert _codes(preview).count("recovered_quotes") == 22
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), {})
    assert Organisation.objects.filter(municipality=moscow).count() == 43
