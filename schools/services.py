"""Writes of the schools registry: imports, categories (recompute, override), profiles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.audit.services import audit_log
from network_portal.editing import NOTHING_SEEN, claim
from network_portal.outbox.services import enqueue_on_commit

from .categorization import ContextFact, categorize_all
from .importing.changes import change_rows
from .importing.columns import (
    IDENTIFIER_FIELDS,
    apply_map_options,
    guess_mapping,
    merge_saved_mapping,
)
from .importing.decoding import names_sample
from .importing.municipalities import MunicipalityLookup
from .importing.municipality_list import (
    MunicipalityListPlan,
    apply_municipality_list,
    plan_municipality_list,
)
from .importing.organisations import apply_organisations, context_fields_in, plan_organisations
from .importing.reader import ImportFileError, Table, read_table
from .importing.results import apply_results, check_year, plan_results
from .importing.spreadsheet import check_archive, is_spreadsheet
from .models import (
    CategoryAssignment,
    CategoryRules,
    ColumnMapping,
    ImportKind,
    ImportRun,
    ImportStatus,
    Municipality,
    Organisation,
    Region,
    SavedMapping,
    SchoolContext,
)
from .recovery import import_run_heartbeat
from .selectors import result_facts, thresholds_for_regions

# --- imports ----------------------------------------------------------------------------------


def import_check_size(size: int) -> None:
    if size > settings.UPLOAD_MAX_SIZE:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB. Split it or remove unused columns.")
            % {"limit": settings.UPLOAD_MAX_SIZE // (1024 * 1024)}
        )


def import_run_create(
    *,
    data: bytes,
    file_name: str,
    kind: str,
    user: Any = None,
    municipality: Municipality | None = None,
    region: Region | None = None,
    assessment: str = "",
    year: int | None = None,
    source: str = "wizard",
    keep_file: bool = True,
    create_municipalities: bool = False,
    map_options: dict[str, str] | None = None,
    mapping_name: str = "",
    read_later: bool = False,
) -> tuple[ImportRun, Table | None]:
    """Read the file (raising ``ImportFileError`` with a Russian message) and log the upload.

    ``region`` without ``municipality`` is a region-wide import: each row goes to the
    municipality its column names. ``mapping_name`` applies a mapping saved in the wizard,
    ``map_options`` (``--map``) change single columns on top of it. ``read_later`` (an XLSX
    uploaded in the wizard): only the archive is checked here; the run is stored «reading»
    and the Celery worker reads the file (:func:`import_run_read`).
    """
    import_check_size(len(data))
    if kind == ImportKind.RESULTS:
        message = check_year(year) if year else _("Choose the year of the results.")
        if message:
            raise ImportFileError(message)
    elif year is not None and check_year(year):
        raise ImportFileError(check_year(year))
    if municipality is not None:
        region = municipality.region
    saved = None
    if mapping_name:
        saved = (
            SavedMapping.objects.filter(name=mapping_name, kind=kind)
            .values_list("mapping", flat=True)
            .first()
        )
        if saved is None:
            raise ImportFileError(
                _("No saved column mapping is called «%(name)s».") % {"name": mapping_name}
            )
    if read_later:
        check_archive(data)
    table = None if read_later else read_table(data, file_name=file_name)
    run = ImportRun(
        kind=kind,
        assessment=assessment,
        year=year,
        municipality=municipality,
        region=region,
        create_municipalities=create_municipalities,
        file_name=file_name[:255],
        file_size=len(data),
        source=source,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if table is None:
        run.status, run.heartbeat_at = ImportStatus.READING, timezone.now()
    else:
        _describe_table(run, table, saved=saved, map_options=map_options)
    if keep_file or read_later:
        run.file.save(file_name, ContentFile(data), save=False)
    run.save()
    return run, table


def _describe_table(
    run: ImportRun,
    table: Table,
    *,
    saved: dict | None = None,
    map_options: dict[str, str] | None = None,
) -> None:
    """What the columns step needs of a file just read: columns, first rows, a mapping
    (``saved`` — a mapping saved by name; ``map_options`` — the commands' ``--map``)."""
    if saved is None and run.municipality_id is not None:
        saved = (
            ColumnMapping.objects.filter(
                municipality_id=run.municipality_id, kind=run.kind, assessment=run.assessment
            )
            .values_list("mapping", flat=True)
            .first()
        )
    mapping = merge_saved_mapping(table.headers, guess_mapping(table.headers, run.kind), saved)
    if map_options:
        missing = [h for h in map_options.values() if h not in table.headers]
        if missing:
            raise ImportFileError(
                _("The file has no column «%(header)s» (--map).") % {"header": missing[0]}
            )
        mapping = apply_map_options(mapping, map_options)
    if run.municipality_id is None and "municipality" not in mapping and "district" in mapping:
        # A region-wide file whose only territorial column is an okrug (Moscow's files):
        # the okrugs are the municipalities of the region.
        mapping["municipality"] = mapping.pop("district")
    run.mapping = mapping
    run.encoding, run.delimiter = table.encoding, table.delimiter
    run.headers = table.headers
    run.sample = [row.values for row in table.rows[:3]]
    run.total_rows = len(table.rows)


def import_run_read(*, run: ImportRun) -> None:
    """The Celery side of an XLSX upload: read the stored file within the limits of
    ``importing.spreadsheet``; the run goes on to the columns step, or fails with the reason."""
    try:
        table = _table_of(run)
    except ImportFileError as exc:
        run.status, run.error, run.finished_at = ImportStatus.FAILED, str(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return
    _describe_table(run, table)
    run.status, run.error = ImportStatus.UPLOADED, ""
    run.save(
        update_fields=[
            "mapping",
            "encoding",
            "delimiter",
            "headers",
            "sample",
            "total_rows",
            "status",
            "error",
        ]
    )


def import_run_log_failure(
    *,
    file_name: str,
    size: int,
    kind: str,
    error: str,
    user: Any = None,
    municipality: Municipality | None = None,
    assessment: str = "",
    year: int | None = None,
    source: str = "wizard",
) -> ImportRun:
    """Log a file that could not be read at all (the log keeps every attempt)."""
    return ImportRun.objects.create(
        kind=kind,
        assessment=assessment,
        year=year,
        municipality=municipality,
        file_name=file_name[:255],
        file_size=size,
        status=ImportStatus.FAILED,
        error=error,
        source=source,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        finished_at=timezone.now(),
    )


def import_run_upload(*, upload: Any, kind: str, **options: Any) -> ImportRun:
    """The wizard's first step: read the uploaded file; a file that cannot be read is logged
    as a failed import and the Russian reason raised as ``ImportFileError``."""
    data = upload.read()
    # A spreadsheet is parsed in the worker, never here (issue 16: a 385 KB XLSX took 29.6 s
    # and 731 MB of a web worker); the archive's limits are checked at once.
    later = is_spreadsheet(data, upload.name)
    try:
        run, _table = import_run_create(
            data=data, file_name=upload.name, kind=kind, read_later=later, **options
        )
    except ImportFileError as exc:
        import_run_log_failure(
            file_name=upload.name,
            size=len(data),
            kind=kind,
            error=str(exc),
            **{
                k: v
                for k, v in options.items()
                if k in ("user", "municipality", "assessment", "year")
            },
        )
        raise
    if later:
        from .tasks import read_import

        enqueue_on_commit(read_import, run.pk)
    return run


def import_check_mapping(
    *, kind: str, mapping: dict[str, str], run: ImportRun | None = None
) -> None:
    """The file must have an identifier column (and, for results, the participants); a
    region-wide import needs the municipality column; context columns need the year."""
    if not any(mapping.get(f) for f in IDENTIFIER_FIELDS):
        raise ImportFileError(
            _(
                "No column identifies the organisation: map the name, INN, OGRN, FIS OKO login "
                "or regional code column."
            )
        )
    if kind == ImportKind.RESULTS and not mapping.get("participants"):
        raise ImportFileError(_("Map the column with the number of participants."))
    if run is None:
        return
    if (
        kind == ImportKind.SCHOOLS
        and run.municipality_id is None
        and not mapping.get("municipality")
    ):
        raise ImportFileError(
            _(
                "A region-wide file needs its municipality column: map it, or choose the "
                "municipality of the file."
            )
        )


def saved_mapping_for_run(*, run: ImportRun, saved: SavedMapping) -> dict[str, str]:
    """The saved mapping where its columns exist in this file, else the guess."""
    return merge_saved_mapping(run.headers, guess_mapping(run.headers, run.kind), saved.mapping)


def import_run_confirm_municipalities(*, run: ImportRun) -> None:
    """The wizard's confirmation of the listed new municipalities: they are created with the
    import (never the ones only close to an existing name), and the file is checked again."""
    if run.kind != ImportKind.SCHOOLS or run.municipality_id or not run.region_id:
        raise ImportFileError(_("Municipalities are created only by a region-wide import."))
    run.create_municipalities = True
    run.save(update_fields=["create_municipalities"])
    import_run_check(run=run)


#: The largest municipalities list the wizard reads (a region has at most a few hundred rows).
MUNICIPALITY_LIST_MAX_SIZE = 1024 * 1024


def municipality_list_check(
    *, data: bytes, file_name: str, region: Region, user: Any
) -> tuple[ImportRun, MunicipalityListPlan]:
    """The dry run of a municipalities list (name, ОКТМО, optional centroid) for ``region``:
    what would be created and updated, and every row error with its line and column (the same
    check as ``import_municipalities --dry-run``). Nothing in the registry is written: the file
    and its check are kept as an import run (in the log, like every import), which the
    confirmation (:func:`municipality_list_save`) reads."""
    if len(data) > MUNICIPALITY_LIST_MAX_SIZE:
        raise ImportFileError(
            _("The list is larger than %(limit)s MB.")
            % {"limit": MUNICIPALITY_LIST_MAX_SIZE // (1024 * 1024)}
        )
    table = read_table(data, file_name=file_name)
    plan = plan_municipality_list(table=table, region=region)
    run = ImportRun(
        kind=ImportKind.MUNICIPALITIES,
        region=region,
        file_name=file_name[:255],
        file_size=len(data),
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        total_rows=len(table.rows),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _store_list_check(run, plan)
    run.file.save(file_name, ContentFile(data), save=False)
    run.save()
    return run, plan


def _store_list_check(run: ImportRun, plan: MunicipalityListPlan) -> None:
    run.counts = {
        "new": len(plan.new),
        "updated": len(plan.updated),
        "unchanged": plan.unchanged,
        "invalid": len({i.line for i in plan.issues if i.severity != "warning"}),
    }
    run.issues = [i.as_dict() for i in sorted(plan.issues, key=lambda i: (i.line, i.column))]
    if plan.invalid:
        run.status, run.finished_at = ImportStatus.REJECTED, timezone.now()
    else:
        run.status = ImportStatus.PREVIEWED


@transaction.atomic
def municipality_list_save(*, run: ImportRun, user: Any) -> MunicipalityListPlan:
    """The confirmed list, its stored file checked again (the registry may have changed since
    the preview): saved only when no row has an error, all or nothing. A run is confirmed
    once: a second click (or a second tab) is refused."""
    run = ImportRun.objects.select_for_update(of=("self",)).select_related("region").get(pk=run.pk)
    if run.kind != ImportKind.MUNICIPALITIES or run.status != ImportStatus.PREVIEWED:
        raise ImportFileError(_("Upload the list again: the checked file is no longer kept."))
    with run.file.open("rb") as handle:
        table = read_table(handle.read(), file_name=run.file_name)
    plan = plan_municipality_list(table=table, region=run.region)
    _store_list_check(run, plan)
    if not plan.invalid:
        apply_municipality_list(plan)
        run.status, run.finished_at = ImportStatus.DONE, timezone.now()
        audit_log(
            actor=user,
            action="schools.municipality_list",
            obj=run.region,
            file=run.file_name,
            new=len(plan.new),
            updated=len(plan.updated),
        )
    run.save(update_fields=["counts", "issues", "status", "finished_at"])
    return plan


def saved_mapping_save(*, name: str, kind: str, mapping: dict[str, str], user: Any) -> None:
    """Keep a mapping under a name (``--mapping NAME`` and the wizard offer it again)."""
    SavedMapping.objects.update_or_create(
        name=name.strip()[:100],
        kind=kind,
        defaults={"mapping": mapping, "created_by": user if user and user.pk else None},
    )


def _table_of(run: ImportRun) -> Table:
    with run.file.open("rb") as handle:
        return read_table(handle.read(), file_name=run.file_name)


def _plan(run: ImportRun, table: Table, *, progress=None, municipality_ids=None):
    import_check_mapping(kind=run.kind, mapping=run.mapping, run=run)
    region = run.region or (run.municipality.region if run.municipality_id else None)
    lookup = None
    # A results file keyed by identifiers alone needs no region: ИНН, ОГРН and logins name
    # one school wherever it is (a name alone is refused without a municipality).
    needs_region = "municipality" in run.mapping or (
        run.municipality_id is None and run.kind == ImportKind.SCHOOLS
    )
    if needs_region:
        if region is None:
            region = _only_region()
        lookup = MunicipalityLookup.for_region(
            region,
            create=run.kind == ImportKind.SCHOOLS
            and run.create_municipalities
            and run.municipality_id is None,
        )
    if run.kind == ImportKind.SCHOOLS:
        return plan_organisations(
            table=table,
            mapping=run.mapping,
            municipality=run.municipality,
            lookup=lookup,
            year=run.year if context_fields_in(run.mapping) else None,
            progress=progress,
        )
    if municipality_ids is None and run.municipality_id:
        municipality_ids = [run.municipality_id]
    elif municipality_ids is None and region is not None:
        municipality_ids = list(region.municipalities.values_list("pk", flat=True))
    return plan_results(
        table=table,
        mapping=run.mapping,
        kind=run.assessment,
        year=run.year,
        municipality_ids=municipality_ids,
        municipality=run.municipality,
        lookup=lookup,
        progress=progress,
    )


def _only_region() -> Region | None:
    """Without a region named, the only region of the registry (a fresh installation)."""
    regions = list(Region.objects.all()[:2])
    if len(regions) == 1:
        return regions[0]
    if not regions:
        return None
    raise ImportFileError(_("Several regions are in the registry: choose the region (--region)."))


#: How many changes (old → new) an import keeps to show.
IMPORT_CHANGES_SHOWN = 300


def _store_plan(run: ImportRun, plan) -> None:
    run.counts = plan.counts()
    run.issues = [i.as_dict() for i in sorted(plan.issues, key=lambda i: (i.line, i.column))]
    lookup = getattr(plan, "lookup", None)
    run.new_municipalities = (
        lookup.new_list() if lookup is not None and run.municipality_id is None else []
    )
    run.changes = change_rows(plan, run, limit=IMPORT_CHANGES_SHOWN)


#: Files up to this many rows are checked at once when the columns are confirmed; larger ones
#: by a Celery task whose progress the check page shows (issue 4: 5,000-row files).
IMPORT_CHECK_SYNC_ROWS = 1000


def import_run_preview(
    *, run: ImportRun, table: Table | None = None, municipality_ids=None, progress=None
):
    """Check every row without writing; store counts and issues on the run (the check page
    shows what is stored: the file is read once per check, not on every visit)."""
    table = table or _table_of(run)
    plan = _plan(run, table, municipality_ids=municipality_ids, progress=progress)
    _store_plan(run, plan)
    run.name_sample = names_sample(table, run.mapping.get("full_name"))
    run.status, run.progress, run.error = ImportStatus.PREVIEWED, 100, ""
    run.save(
        update_fields=[
            "counts",
            "issues",
            "new_municipalities",
            "changes",
            "status",
            "progress",
            "error",
            "name_sample",
        ]
    )
    return plan


def import_run_check(*, run: ImportRun) -> None:
    """The columns are confirmed: check the rows now (small file) or in the background.

    Raises ``ImportFileError`` (a Russian message) when a small file cannot be checked; a large
    one's failure is stored on the run (``error``, back to the columns step).
    """
    # A spreadsheet is never parsed in the web request, however few its rows.
    if run.total_rows <= IMPORT_CHECK_SYNC_ROWS and run.encoding != "xlsx":
        import_run_preview(run=run)
        return
    from .tasks import check_import

    run.status, run.progress, run.error = ImportStatus.CHECKING, 0, ""
    run.counts, run.issues, run.heartbeat_at = {}, [], timezone.now()
    run.save(update_fields=["status", "progress", "error", "counts", "issues", "heartbeat_at"])
    enqueue_on_commit(check_import, run.pk)


def import_run_check_in_background(*, run: ImportRun) -> None:
    """The Celery side of :func:`import_run_check`, with progress for the check page."""
    try:
        import_run_preview(run=run, progress=lambda p: _set_progress(run.pk, 2 * p))
    except ImportFileError as exc:
        run.status, run.error = ImportStatus.UPLOADED, str(exc)
        run.save(update_fields=["status", "error"])


def import_run_can_apply(*, run: ImportRun) -> bool:
    """Checked and not imported yet — or refused because of invalid rows, which the user may
    still import without them (the stored file is checked again when applied)."""
    return bool(run.file) and run.status in (
        ImportStatus.PREVIEWED,
        ImportStatus.REJECTED,
        ImportStatus.INTERRUPTED,  # the worker died: nothing was written (schools.recovery)
    )


def _set_progress(run_id: int, percent: int) -> None:
    import_run_heartbeat(run_id, progress=min(percent, 99))


def import_run_apply(
    *,
    run: ImportRun,
    table: Table | None = None,
    skip_invalid: bool | None = None,
    municipality_ids=None,
    on_progress=None,
) -> ImportRun:
    """Re-check the file and write it in one transaction; refuse if rows are invalid, unless
    the user asked to import the valid rows without them. ``on_progress(percent)`` is told
    the progress too (the commands print it)."""
    if skip_invalid is not None:
        run.skip_invalid = skip_invalid
    run.status, run.heartbeat_at = ImportStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "skip_invalid", "heartbeat_at"])

    def progress(percent: int) -> None:
        _set_progress(run.pk, percent)
        if on_progress is not None:
            on_progress(percent)

    try:
        plan = _plan(
            run,
            table or _table_of(run),
            progress=progress,
            municipality_ids=municipality_ids,
        )
    except ImportFileError as exc:
        run.status, run.error, run.finished_at = ImportStatus.FAILED, str(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    _store_plan(run, plan)
    if plan.invalid_lines and not run.skip_invalid:
        run.status = ImportStatus.REJECTED
        run.error = _(
            "%(count)s rows are invalid; nothing was imported. Fix them, or import the valid "
            "rows without them."
        ) % {"count": len(plan.invalid_lines)}
    elif run.is_dry_run:
        run.status = ImportStatus.PREVIEWED
    else:
        progress(60)
        if run.kind == ImportKind.SCHOOLS:
            ids = apply_organisations(plan)
            changed = set(ids["created_ids"]) | set(ids["updated_ids"])
        else:
            apply_results(plan, run.mapping, run.assessment)
            changed = plan.organisation_ids
        run.status = ImportStatus.DONE
        if run.municipality_id:
            ColumnMapping.objects.update_or_create(
                municipality_id=run.municipality_id,
                kind=run.kind,
                assessment=run.assessment,
                defaults={"mapping": run.mapping},
            )
        if changed:
            categories_recompute_later(organisation_ids=sorted(changed))
    run.progress = 100
    run.finished_at = timezone.now()
    run.save()
    return run


def import_run_queue(*, run: ImportRun, skip_invalid: bool) -> None:
    from .tasks import run_import

    if not import_run_can_apply(run=run):
        raise ImportFileError(_("This import cannot be started again."))
    run.skip_invalid = skip_invalid
    run.status = ImportStatus.QUEUED
    run.progress = 0
    run.error = ""
    run.finished_at, run.heartbeat_at = None, timezone.now()
    run.save(
        update_fields=["skip_invalid", "status", "progress", "error", "finished_at", "heartbeat_at"]
    )
    enqueue_on_commit(run_import, run.pk)


def import_run_save_mapping(
    *, run: ImportRun, mapping: dict[str, str], save_as: str = "", user: Any = None
) -> None:
    """Confirm the columns and check the rows with them (a new mapping, a new check)."""
    run.mapping = {field: header for field, header in mapping.items() if header in run.headers}
    import_check_mapping(kind=run.kind, mapping=run.mapping, run=run)
    if save_as.strip():
        saved_mapping_save(name=save_as, kind=run.kind, mapping=run.mapping, user=user)
    run.status, run.counts, run.issues = ImportStatus.UPLOADED, {}, []
    run.save(update_fields=["mapping", "status", "counts", "issues"])
    import_run_check(run=run)


# --- categories -------------------------------------------------------------------------------


def categories_recompute(
    *, organisation_ids: Iterable[int] | None = None, region_id: int | None = None
) -> dict[str, int]:
    """Apply the rules to every school (or the given ones) and every year with data.

    A changed decision retires the current row (kept as history) and adds a new one; a
    methodologist's override stays current until she withdraws it.
    """
    schools = Organisation.objects.schools()
    if organisation_ids is not None:
        schools = schools.filter(pk__in=list(organisation_ids))
    if region_id is not None:
        schools = schools.filter(municipality__region_id=region_id)
    pairs = list(schools.values_list("pk", "municipality__region_id"))
    thresholds = thresholds_for_regions({r for _pk, r in pairs})
    subjects = sorted({s for t in thresholds.values() for s in t.subjects})
    counts = {"schools": len(pairs), "changed": 0, "unchanged": 0, "overridden": 0}
    for start in range(0, len(pairs), 500):
        chunk = dict(pairs[start : start + 500])
        _recompute_chunk(chunk, thresholds, subjects, counts)
    return counts


def _recompute_chunk(
    chunk: dict[int, int], thresholds, subjects: list[str], counts: dict[str, int]
) -> None:
    ids = list(chunk)
    results = result_facts(organisation_ids=ids, subjects=subjects)
    contexts: dict[int, list[ContextFact]] = defaultdict(list)
    for c in SchoolContext.objects.filter(organisation_id__in=ids):
        contexts[c.organisation_id].append(
            ContextFact(
                c.year,
                c.students,
                float(c.share_ovz) if c.share_ovz is not None else None,
                float(c.share_non_native) if c.share_non_native is not None else None,
                c.stable_internet,
                float(c.computers_per_student) if c.computers_per_student is not None else None,
                c.teacher_vacancies,
                teachers=c.teachers,
                settlement_type=c.settlement_type,
                settlement_size=c.settlement_size,
                is_boarding=c.is_boarding,
                is_correctional=c.is_correctional,
                is_evening=c.is_evening,
            )
        )
    current = {
        (a.organisation_id, a.year): a
        for a in CategoryAssignment.objects.filter(organisation_id__in=ids, is_current=True)
    }
    retire, create = [], []
    for org_id, region_id in chunk.items():
        for decision in categorize_all(
            results=results[org_id], contexts=contexts[org_id], thresholds=thresholds[region_id]
        ):
            now = current.get((org_id, decision.year))
            if now is not None and now.is_override:
                counts["overridden"] += 1
                continue
            if (
                now is not None
                and now.category == decision.category
                and now.reasons == decision.reasons
            ):
                counts["unchanged"] += 1
                continue
            if now is not None:
                retire.append(now.pk)
            create.append(
                CategoryAssignment(
                    organisation_id=org_id,
                    year=decision.year,
                    category=decision.category,
                    reasons=decision.reasons,
                    is_current=True,
                )
            )
    with transaction.atomic():
        CategoryAssignment.objects.filter(pk__in=retire).update(is_current=False)
        CategoryAssignment.objects.bulk_create(create, batch_size=500)
    counts["changed"] += len(create)


def categories_recompute_later(
    *, organisation_ids: Iterable[int] | None = None, region_id: int | None = None
) -> None:
    from .tasks import recompute_categories

    ids = list(organisation_ids) if organisation_ids is not None else None
    enqueue_on_commit(recompute_categories, organisation_ids=ids, region_id=region_id)


@transaction.atomic
def category_override(
    *, organisation: Organisation, year: int, category: str, reason: str, user: Any
) -> CategoryAssignment:
    """A methodologist sets the category by hand with a written reason (audit-logged)."""
    previous = (
        CategoryAssignment.objects.select_for_update()
        .filter(organisation=organisation, year=year, is_current=True)
        .first()
    )
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    assignment = CategoryAssignment.objects.create(
        organisation=organisation,
        year=year,
        category=category,
        reasons=previous.reasons if previous is not None else [],
        is_override=True,
        override_reason=reason,
        is_current=True,
        created_by=user,
    )
    audit_log(
        actor=user,
        action="schools.category_override",
        obj=organisation,
        year=year,
        before=previous.category if previous is not None else None,
        after=category,
        reason=reason,
    )
    return assignment


@transaction.atomic
def category_override_withdraw(*, organisation: Organisation, year: int, user: Any) -> None:
    """Back to the rules: the override is kept as history and the rules decide again."""
    CategoryAssignment.objects.filter(
        organisation=organisation, year=year, is_current=True, is_override=True
    ).update(is_current=False)
    audit_log(actor=user, action="schools.category_override_withdrawn", obj=organisation, year=year)
    categories_recompute(organisation_ids=[organisation.pk])


def category_rules_save(*, rules: CategoryRules, user: Any) -> CategoryRules:
    rules.updated_by = user
    rules.save()
    audit_log(actor=user, action="schools.category_rules_changed", obj=rules)
    categories_recompute_later(region_id=rules.region_id)
    return rules


# --- profile ----------------------------------------------------------------------------------


# --- profile and context edits: nobody's save is silently overwritten ------------------------


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, user: Any, version: int | None = None, **fields: Any
) -> Organisation:
    """Save the profile; :class:`~network_portal.editing.StaleEdit` when it was saved since
    the person saw ``version`` (``network_portal.editing``: ``None`` — the version of
    ``organisation`` as passed in)."""
    claim(organisation, seen=version)
    locked = Organisation.objects.get(pk=organisation.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def school_context_save(
    *, context: SchoolContext, user: Any, version: int | None = None
) -> SchoolContext:
    """Save one year's context; :class:`~network_portal.editing.StaleEdit` when that year's
    row was saved — or created, if the form showed none (``version`` 0) — since the person
    saw ``version``."""
    stored = SchoolContext.objects.filter(
        organisation_id=context.organisation_id, year=context.year
    ).first()
    if stored is not None:
        if version is None:  # the instance passed in is what was seen; a new one saw nothing
            version = context.version if context.pk else NOTHING_SEEN
        claim(stored, seen=version)
        context.pk, context.version = stored.pk, stored.version
    context.save()
    categories_recompute_later(organisation_ids=[context.organisation_id])
    return context
