"""Objects of the schools app for the access matrix (tests/security/access_matrix.py)."""

from schools.models import ImportRun, ImportStatus


def import_run(objects) -> int:
    """A finished import of ``world.mun`` (created once per matrix run)."""
    run = getattr(objects, "schools_import_run", None)
    if run is None:
        run = ImportRun.objects.create(
            kind="schools",
            municipality=objects.mun,
            file_name="Школы Первого округа.csv",
            status=ImportStatus.DONE,
            headers=["ИНН", "Наименование"],
            mapping={"inn": "ИНН", "full_name": "Наименование"},
            counts={"new": 1, "updated": 0, "unchanged": 0, "invalid": 0},
        )
        objects.schools_import_run = run
    return run.pk
