"""Transactional tests find the migrated reference data, however they ask for a database.

A transactional test ends by emptying every table, the data migrations' rows included (risk
factors, event types …); tests/conftest.py has each such test restore them (serialized
rollback). Run together — or alone, as ``pytest this_file`` — the second test here finds the
ten «500+» factors only if that holds for a ``django_db(transaction=True)`` marker too.
"""

import pytest

from diagnostics.models import RiskFactor


@pytest.mark.django_db(transaction=True)
def test_first_transactional_test_sees_the_risk_factors():
    assert RiskFactor.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_next_transactional_test_still_sees_them():
    assert RiskFactor.objects.count() == 10
