"""The demo's intermediate questionnaires start from the schools' last answers (issue 15: the
intermediate self-diagnosis started empty on the demo)."""

import io

import pytest
from django.core.management import call_command

from diagnostics.models import Answer, CycleKind, Questionnaire, QuestionnaireStatus


@pytest.mark.django_db
def test_demo_intermediate_questionnaires_start_from_the_last_answers():
    call_command("seed_demo", password="demo-password-1", stdout=io.StringIO())
    drafts = Questionnaire.objects.filter(
        cycle__kind=CycleKind.INTERMEDIATE, status=QuestionnaireStatus.DRAFT
    )
    carried = drafts.filter(answers__carried_over=True).distinct()
    # СОШ № 5 took part in the entry diagnostics: its draft is not empty
    assert carried.filter(organisation__short_name="МОБУ «СОШ № 5»").exists()
    count = Answer.objects.filter(carried_over=True).count()
    assert count > 0
    call_command("seed_demo", password="demo-password-1", stdout=io.StringIO())
    assert Answer.objects.filter(carried_over=True).count() == count
