"""A published report embeds (inside its signed snapshot) the audit-log checkpoint current at publication,
and its public page shows it."""

import pytest
from django.urls import reverse

from requests_app import audit, tlog
from tests.transparency.helpers import make_request
from transparency import services, signing

pytestmark = pytest.mark.django_db


def test_published_report_carries_the_current_signed_checkpoint(supervisor, supervisor2, anon):
    make_request(produced=["subscriber_info"], found=2)
    for n in range(3):
        audit.event_record(event_type="sensitive_view", payload={"n": n})
    audit.sequence_pending()
    current = audit.latest_checkpoint()
    draft = services.report_build(period="2025-H1", actor=supervisor.user)
    report = services.report_publish(report=draft, actor=supervisor2.user)
    embedded = report.snapshot["audit_log_checkpoint"]
    assert embedded == current.note
    assert tlog.open_checkpoint(embedded, audit.verifier_key()).size == current.size
    assert signing.verify_document(services.signed_document(report)) == report.sha256  # signed with the numbers
    html = anon.get(reverse("transparency:report", args=["2025-H1"])).content.decode()
    assert "Audit log checkpoint at publication" in html and current.note.split("\n")[2] in html
