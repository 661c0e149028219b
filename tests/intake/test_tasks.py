"""Intake's Celery tasks."""

import pytest

pytestmark = pytest.mark.django_db


def test_old_idempotency_records_are_purged(officer_a):
    from datetime import timedelta

    from django.utils import timezone

    from requests_app.intake.models import IdempotencyRecord
    from requests_app.intake.tasks import idempotency_purge_task

    old = IdempotencyRecord.objects.create(user=officer_a.user, key="old", fingerprint="x")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    IdempotencyRecord.objects.create(user=officer_a.user, key="new", fingerprint="y")
    assert idempotency_purge_task() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
