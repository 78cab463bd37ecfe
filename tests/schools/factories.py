import factory
from factory.django import DjangoModelFactory

from schools.models import AssessmentResult, CategoryAssignment, ImportRun, SchoolContext


class SchoolContextFactory(DjangoModelFactory):
    class Meta:
        model = SchoolContext

    year = 2025
    students = 500
    stable_internet = True
    teacher_vacancies = 0


class AssessmentResultFactory(DjangoModelFactory):
    class Meta:
        model = AssessmentResult

    year = 2025
    kind = "oge"
    subject = "math"
    participants = 50
    average_score = 15
    below_threshold = 2


class CategoryAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = CategoryAssignment

    year = 2025
    category = "other"
    reasons = factory.LazyFunction(lambda: [{"rule": "other", "text": "ни одно правило"}])


class ImportRunFactory(DjangoModelFactory):
    class Meta:
        model = ImportRun

    kind = "schools"
    file_name = "schools.csv"
    status = "done"
    counts = factory.LazyFunction(lambda: {"new": 1, "updated": 0, "unchanged": 0, "invalid": 0})
