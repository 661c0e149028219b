"""Issue #12 item 6: a CyberTipline file swapped on storage for another's is refused, and the refusal audited."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from requests_app.models import RequestEvent

pytestmark = pytest.mark.django_db


def test_a_swapped_evidence_file_is_refused_and_audited(draft, client_ct, ct_reviewer):
    first, second = list(draft.files.all())[:2]
    url = lambda f: reverse("cybertipline:file", args=[draft.reference, f.pk])  # noqa: E731
    assert client_ct.get(url(first)).status_code == 200
    with default_storage.open(second.content.name, "rb") as fh:
        other = fh.read()
    with open(default_storage.path(first.content.name), "wb") as fh:
        fh.write(other)  # the second file's ciphertext copied over the first's

    response = client_ct.get(url(first), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "the stored file is not the one that was recorded" in response.content.decode()
    refused = RequestEvent.objects.get(message="File not served: the stored file is not the one recorded")
    assert refused.actor == ct_reviewer.user and refused.payload["file"] == first.pk
    assert client_ct.get(url(second)).status_code == 200
