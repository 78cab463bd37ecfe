"""Shared output of the two import commands."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from schools.importing.reader import ImportFileError
from schools.models import ImportStatus
from schools.services import (
    import_check_size,
    import_run_apply,
    import_run_create,
    import_run_log_failure,
    import_run_preview,
)


def run_command(
    command, *, path: str, dry_run: bool, skip_invalid: bool, verbosity: int = 1, **create
) -> None:
    file = Path(path)
    if not file.is_file():
        raise CommandError(_("File %(path)s not found.") % {"path": path})
    import_check_size(file.stat().st_size)
    try:
        run, table = import_run_create(
            data=file.read_bytes(), file_name=file.name, source="command", keep_file=False, **create
        )
        run.is_dry_run = dry_run
        if dry_run:
            import_run_preview(run=run, table=table)
        else:
            run = import_run_apply(run=run, table=table, skip_invalid=skip_invalid)
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
    out = command.stdout
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
    limit = None if verbosity > 1 else 30
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
