"""Publish the figures of the answers already given (they were shown live until now)."""

from collections import Counter

from django.db import migrations
from django.utils import timezone


def publish(apps, schema_editor):
    SurveyResponse = apps.get_model("diagnostics", "SurveyResponse")
    SurveyNeed = apps.get_model("diagnostics", "SurveyNeed")
    SurveyPublication = apps.get_model("diagnostics", "SurveyPublication")
    responses = Counter(SurveyResponse.objects.values_list("survey_id", "organisation_id"))
    needs: dict = {}
    for survey_id, org_id, need in SurveyNeed.objects.values_list(
        "response__survey_id", "response__organisation_id", "need"
    ):
        group = needs.setdefault((survey_id, org_id), Counter())
        group[need] += 1
    now = timezone.now()
    SurveyPublication.objects.bulk_create(
        SurveyPublication(
            survey_id=survey_id,
            organisation_id=org_id,
            responses=n,
            needs=dict(needs.get((survey_id, org_id), {})),
            published_at=now,
        )
        for (survey_id, org_id), n in responses.items()
    )


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0006_survey_publication")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
