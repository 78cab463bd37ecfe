"""Shared arguments and output of the two import commands."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from schools.importing.columns import parse_map_options
from schools.importing.reader import ImportFileError
from schools.models import ImportStatus, Municipality, Region
from schools.normalize import normalize_name
from schools.services import (
    import_check_size,
    import_run_apply,
    import_run_create,
    import_run_log_failure,
    import_run_preview,
)


def add_scope_arguments(parser) -> None:
    parser.add_argument("path")
    parser.add_argument(
        "--region",
        help="the region of a region-wide file: each row goes to the municipality of its "
        "municipality column",
    )
    parser.add_argument(
        "--municipality",
        help="the file is of this one municipality; a row naming another one is a conflict",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help="take FIELD from the column HEADER (repeatable; FIELD '-' leaves the column out)",
    )
    parser.add_argument("--mapping", default="", help="a column mapping saved in the wizard")
    parser.add_argument("--dry-run", action="store_true", help="check and report only")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows without the invalid ones",
    )


def resolve_scope(*, region: str | None, municipality: str | None) -> dict:
    """``{"region": Region | None, "municipality": Municipality | None}`` from the options."""
    # Names are compared normalised: SQLite's iexact folds only ASCII letters.
    found_region = None
    if region:
        regions = [
            r for r in Region.objects.all() if normalize_name(r.name) == normalize_name(region)
        ]
        if not regions:
            raise CommandError(_("Region «%(name)s» is not in the registry.") % {"name": region})
        found_region = regions[0]
    target = None
    if municipality:
        query = Municipality.objects.select_related("region")
        if found_region is not None:
            query = query.filter(region=found_region)
        found = [m for m in query if normalize_name(m.name) == normalize_name(municipality)]
        if len(found) != 1:
            raise CommandError(
                _("Municipality «%(name)s» is not in the registry.") % {"name": municipality}
                if not found
                else _("Several municipalities are called «%(name)s».") % {"name": municipality}
            )
        target = found[0]
    return {"region": found_region, "municipality": target}


def map_options(options: list[str], kind: str) -> dict[str, str]:
    try:
        return parse_map_options(options, kind)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def run_command(
    command, *, path: str, dry_run: bool, skip_invalid: bool, verbosity: int = 1, **create
) -> None:
    file = Path(path)
    if not file.is_file():
        raise CommandError(_("File %(path)s not found.") % {"path": path})
    out = command.stdout
    try:
        import_check_size(file.stat().st_size)
        run, table = import_run_create(
            data=file.read_bytes(), file_name=file.name, source="command", keep_file=False, **create
        )
        run.is_dry_run = dry_run
        shown: set[int] = set()

        def progress(percent: int) -> None:
            step = percent // 10 * 10
            if step not in shown:
                shown.add(step)
                out.write(_("  %(percent)s %% …") % {"percent": step})

        large = len(table.rows) > 2000
        if large:
            out.write(_("Checking %(rows)s rows…") % {"rows": len(table.rows)})
        if dry_run:
            import_run_preview(run=run, table=table, progress=progress if large else None)
        else:
            run = import_run_apply(
                run=run,
                table=table,
                skip_invalid=skip_invalid,
                on_progress=progress if large else None,
            )
    except ImportFileError as exc:
        import_run_log_failure(
            file_name=file.name,
            size=file.stat().st_size,
            kind=create["kind"],
            error=str(exc),
            municipality=create.get("municipality"),
            assessment=create.get("assessment", ""),
            year=create.get("year"),
            source="command",
        )
        raise CommandError(str(exc)) from exc
    out.write(
        _("%(file)s: %(encoding)s, separator %(sep)r, %(rows)s rows")
        % {
            "file": file.name,
            "encoding": run.encoding,
            "sep": run.delimiter,
            "rows": run.total_rows,
        }
    )
    labels = {
        "new": _("new"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "invalid": _("invalid rows"),
        "conflicts": _("conflicts"),
        "warnings": _("warnings"),
    }
    out.write(", ".join(f"{label}: {run.counts.get(key, 0)}" for key, label in labels.items()))
    _write_columns(out, run)
    _write_new_municipalities(out, run)
    limit = None if verbosity > 1 else 30
    _write_changes(out, run, limit)
    shown = run.issues if limit is None else run.issues[:limit]
    for issue in shown:
        column = f" [{issue['column']}]" if issue["column"] else ""
        # A whole sentence for the translators: xgettext does not read ``_()`` in f-strings.
        out.write(
            "  "
            + _("line %(line)s%(column)s: %(message)s")
            % {"line": issue["line"], "column": column, "message": issue["message"]}
        )
    if limit is not None and len(run.issues) > limit:
        out.write(
            _("  … and %(count)s more (use -v 2 to see all)") % {"count": len(run.issues) - limit}
        )
    if dry_run:
        out.write(_("Check only: nothing was changed."))
    elif run.status == ImportStatus.DONE:
        out.write(command.style.SUCCESS(_("Imported (log #%(id)s).") % {"id": run.pk}))
    else:
        raise CommandError(run.error or _("Nothing was imported."))


def _write_columns(out, run) -> None:
    unused = run.unused_columns
    if not unused:
        return
    out.write(
        _("Columns not used: %(columns)s")
        % {
            "columns": ", ".join(
                f"«{c['header']}»" + (" " + _("(numbers!)") if c["numeric"] else "") for c in unused
            )
        }
    )


def _write_new_municipalities(out, run) -> None:
    new = run.new_municipalities
    if not new:
        return
    out.write(_("Municipalities not in the registry (%(count)s):") % {"count": len(new)})
    for entry in new:
        if entry["similar_to"]:
            out.write(
                "  "
                + _("«%(name)s»: %(schools)s rows — похоже на «%(similar)s», not created")
                % {
                    "name": entry["name"],
                    "schools": entry["schools"],
                    "similar": entry["similar_to"],
                }
            )
        else:
            out.write(
                "  "
                + _("«%(name)s»: %(schools)s rows")
                % {"name": entry["name"], "schools": entry["schools"]}
            )
    if not run.create_municipalities:
        out.write(_("  Add --create-municipalities to create them."))


def _write_changes(out, run, limit) -> None:
    shown = run.changes if limit is None else run.changes[:limit]
    for change in shown:
        parts = "; ".join(f"{f['label']}: {f['old']} → {f['new']}" for f in change["fields"])
        out.write(
            "  "
            + _("line %(line)s: %(name)s — %(parts)s")
            % {"line": change["line"], "name": change["name"], "parts": parts}
        )
    if limit is not None and len(run.changes) > limit:
        out.write(
            _("  … and %(count)s more changes (use -v 2 to see all)")
            % {"count": len(run.changes) - limit}
        )
