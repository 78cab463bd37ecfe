"""An «added» history record for the evidence attached before its history was kept, so the
item's history (``selectors.item_history``) shows every piece of evidence."""

from django.db import migrations

FIELDS = ("id", "item_id", "kind", "file_name", "file_size", "url", "text", "added_by_id",
          "created_at")  # fmt: skip


def fill(apps, schema_editor):
    Evidence = apps.get_model("roadmaps", "Evidence")
    HistoricalEvidence = apps.get_model("roadmaps", "HistoricalEvidence")
    done = set(HistoricalEvidence.objects.values_list("id", flat=True))
    HistoricalEvidence.objects.bulk_create(
        HistoricalEvidence(
            history_date=evidence.created_at,
            history_type="+",
            history_user_id=evidence.added_by_id,
            file=evidence.file.name if evidence.file else "",
            **{name: getattr(evidence, name) for name in FIELDS},
        )
        for evidence in Evidence.objects.exclude(pk__in=done).iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0005_evidence_history")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
