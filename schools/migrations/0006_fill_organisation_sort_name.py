import re

from django.db import migrations


def fill(apps, schema_editor):
    # A copy of schools.normalize (migrations must not import app code that may change).
    quotes = re.compile(r"[\"'«»“”„‟‹›`]")
    number_sign = re.compile(r"№\s*")
    punct = re.compile(r"[^\w№ ]+")
    spaces = re.compile(r"\s+")
    digits = re.compile(r"\d+")

    def key(name):
        text = (name or "").replace("\u00a0", " ").lower().replace("ё", "е")
        text = punct.sub(" ", number_sign.sub("№ ", quotes.sub(" ", text)))
        text = spaces.sub(" ", text).strip()
        return digits.sub(lambda m: m.group().zfill(6), text)[:200]

    Organisation = apps.get_model("schools", "Organisation")
    batch = []
    for org in Organisation.objects.only("pk", "short_name", "full_name").iterator():
        org.sort_name = key(org.short_name or org.full_name)
        batch.append(org)
        if len(batch) >= 1000:
            Organisation.objects.bulk_update(batch, ["sort_name"])
            batch = []
    Organisation.objects.bulk_update(batch, ["sort_name"])


class Migration(migrations.Migration):
    dependencies = [("schools", "0005_organisation_sort_name")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
