"""Register personas (a reviewer holding the CyberTipline role; staff without it) and a local NCMEC."""

from __future__ import annotations

import pytest

from requests_app.cybertipline import services
from tests.cybertipline.ncmec_server import FakeNcmec
from tests.factories import StaffFactory, client_for, grant, report_data


@pytest.fixture
def ct_reviewer(db):
    return grant(StaffFactory(full_name="Tess Tipline", user__email="tess@platform.example"))


@pytest.fixture
def client_ct(ct_reviewer):
    return client_for(ct_reviewer)


@pytest.fixture
def ncmec(settings):
    server = FakeNcmec().start()
    settings.NCMEC_API_URL = server.url
    settings.NCMEC_API_USERNAME = "esp"
    settings.NCMEC_API_PASSWORD = "secret"
    yield server
    server.stop()


@pytest.fixture
def draft(ct_reviewer):
    return services.report_create(actor=ct_reviewer.user, data=report_data())


@pytest.fixture
def reviewed(draft, ct_reviewer):
    return services.report_review(
        report=draft, actor=ct_reviewer.user, note="Looked at both", viewed_file_ids=[f.pk for f in draft.files.all()]
    )
