"""The demo's texts are what its users read (event descriptions, strengths, networks): none
carries the developers' shorthand for the specification they follow («seed 001»)."""

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

pytestmark = pytest.mark.django_db

JARGON = re.compile(r"\bseed\s*\d", re.IGNORECASE)


def test_no_demo_text_mentions_the_seed_it_follows():
    call_command("seed_demo", password="demo12345", stdout=io.StringIO())
    found = []
    for model in apps.get_models():
        texts = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model._default_manager.values("pk", *texts) if texts else []:
            for name in texts:
                if isinstance(row[name], str) and JARGON.search(row[name]):
                    found.append(f"{model._meta.label}#{row['pk']}.{name}: {row[name][:80]}")
    assert not found, "\n".join(found)
