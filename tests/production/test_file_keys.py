"""Issue #12 item 6: a production package is bound to its row and survives a master-key rotation."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.management import call_command

from requests_app import crypto
from requests_app.production import services
from requests_app.production.models import Production
from tests.factories import sign
from tests.production.helpers import package_zip

pytestmark = pytest.mark.django_db


def test_a_package_is_bound_to_its_row_and_survives_rotation(
    settings, approved_request, reviewer, custodian, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    production = sign(production, custodian)  # the custodian's re-pack is bound to the row too
    assert production.status == Production.Status.READY
    with production.file.open("rb") as fh:
        raw = fh.read()
    with pytest.raises(crypto.DecryptionError, match="does not belong to this record"):
        crypto.decrypt_bytes(raw, record=f"production.production:{production.pk + 1}")
    names = sorted(package_zip(production).namelist())

    old = settings.FILE_ENCRYPTION_KEY
    settings.FILE_ENCRYPTION_KEY = base64.b64encode(os.urandom(32)).decode()
    settings.FILE_ENCRYPTION_KEYS_OLD = [old]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_file_keys", stdout=out)
    assert "production.production: re-wrapped 1" in out.getvalue().lower()
    settings.FILE_ENCRYPTION_KEYS_OLD = []
    production.refresh_from_db()
    with production.file.open("rb") as fh:
        assert fh.read(12)[4:].hex() == crypto.current_key_id()
    assert sorted(package_zip(production).namelist()) == names  # helper checks the zip's SHA-256 too


def test_a_package_swapped_for_another_productions_file_is_refused(
    approved_request, reviewer, custodian, client_a, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from requests_app.lifecycle import Status
    from requests_app.models import EventType, RequestEvent
    from requests_app.production.models import ProductionDownload

    with django_capture_on_commit_callbacks(execute=True):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        production = sign(production, custodian)
    with production.file.open("rb") as fh:
        plaintext = b"".join(crypto.decrypt_stream(fh, record=crypto.record_binding(production)))
    # The same zip, but encrypted for another production (as if that one's file were copied here).
    with open(default_storage.path(production.file.name), "wb") as fh:
        fh.write(crypto.encrypt_bytes(plaintext, record=f"production.production:{production.pk + 1}"))

    response = client_a.get(f"/production/p/{production.pk}/download/")
    assert response.status_code == 409 and "not the one that was built" in response.content.decode()
    refused = RequestEvent.objects.get(event_type=EventType.DOCUMENT_REFUSED)
    assert refused.payload == {"production": production.pk, "sha256": production.sha256, "reason": "integrity"}
    assert not ProductionDownload.objects.exists()
    assert not RequestEvent.objects.filter(event_type=EventType.DOWNLOAD).exists()
    approved_request.refresh_from_db()
    assert approved_request.status == Status.DELIVERED
