"""The production tests' own setup; their fixtures live in tests/production/fixtures.py."""

from __future__ import annotations

import pytest

from requests_app.production.notifier import DemoUserNotifier


@pytest.fixture(autouse=True)
def _clear_outbox():
    DemoUserNotifier.outbox.clear()
    yield
    DemoUserNotifier.outbox.clear()
