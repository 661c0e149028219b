"""Register personas (a reviewer holding the CyberTipline role; staff without it) and a local NCMEC."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from requests_app.cybertipline import services
from tests.conftest import _client_for
from tests.cybertipline.ncmec_server import FakeNcmec
from tests.factories import StaffFactory, placeholder_image


def grant(officer):
    officer.user.user_permissions.add(Permission.objects.get(codename="access_register"))
    # Drop Django's per-instance permission cache.
    for attr in ("_perm_cache", "_user_perm_cache"):
        officer.user.__dict__.pop(attr, None)
    return officer


@pytest.fixture
def ct_reviewer(db):
    return grant(StaffFactory(full_name="Tess Tipline", user__email="tess@platform.example"))


@pytest.fixture
def client_ct(ct_reviewer):
    return _client_for(ct_reviewer)


@pytest.fixture
def ncmec(settings):
    server = FakeNcmec().start()
    settings.NCMEC_API_URL = server.url
    settings.NCMEC_API_USERNAME = "esp"
    settings.NCMEC_API_PASSWORD = "secret"
    yield server
    server.stop()


def report_data(**overrides) -> services.ReportData:
    now = timezone.now()
    base = dict(
        incident_type="child_pornography",
        knowledge_at=now - timedelta(hours=2),
        detection_source="hash_match",
        hash_list="NCMEC hash sharing list",
        summary="Two images matched the hash list in a group.",
        accounts=[
            services.AccountInput(
                user_id="5550001",
                username="@offender",
                phone="+12025550143",
                signup_ip="203.0.113.7",
                upload_ip="198.51.100.23",
                upload_port=51234,
                upload_at=now - timedelta(hours=3),
            )
        ],
        files=[
            services.FileInput(
                name="a.png", content=placeholder_image(1), chat_type="group", perceptual_hash="pdq:ab12"
            ),
            services.FileInput(name="b.png", content=placeholder_image(2), chat_type="private_chat"),
        ],
    )
    base.update(overrides)
    return services.ReportData(**base)


@pytest.fixture
def draft(ct_reviewer):
    return services.report_create(actor=ct_reviewer.user, data=report_data())


@pytest.fixture
def reviewed(draft, ct_reviewer):
    return services.report_review(
        report=draft, actor=ct_reviewer.user, note="Looked at both", viewed_file_ids=[f.pk for f in draft.files.all()]
    )
