"""Issue 16 item 1: e-mails in the portal's words, with working links built from SITE_URL."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.template.loader import render_to_string

from requests_app.production import emails as production_emails
from requests_app.production.models import Production
from tests.factories import signup

pytestmark = pytest.mark.django_db
SITE = "https://portal.example.org"


@pytest.mark.usefixtures("agency_a")
def test_confirmation_email_is_in_the_portals_words_with_a_site_url_link(anon, settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    assert signup(anon, host="127.0.0.1:9999").status_code == 302
    message = mail.outbox[-1]
    assert message.subject == "LE Request Portal: Confirm your e-mail address"
    assert "example.com" not in message.body and "Hello from" not in message.body
    link = re.search(r"\S+/accounts/confirm-email/\S+/", message.body).group(0)
    assert link.startswith(SITE + "/accounts/confirm-email/")  # not the host:port the sign-up came through
    key = link.rsplit("/", 2)[-2]
    assert anon.get(f"/accounts/confirm-email/{key}/").status_code == 200  # the link works


def test_unknown_domain_gives_one_explanation_and_one_message_per_field(anon):
    response = signup(anon, host="127.0.0.1:9999", email="erin@newforce.example")
    body = response.content.decode()
    assert body.count("We do not know the e-mail domain newforce.example yet") == 1
    for message in ("Enter the name of your agency.", "Choose your agency", "Choose the kind of agency."):
        assert body.count(message) == 1
    form = response.context["form"]
    assert set(form.errors) == {"__all__", "agency_name", "agency_country", "agency_kind"}
    assert 'value="Dana Detective"' in body and "type your password twice again" in body


def test_records_ready_email_links_to_the_officers_request_page(ready, settings):
    settings.SITE_URL = SITE + "/"
    mail.outbox.clear()
    production_emails.production_ready_mail(request_id=ready.request_id)
    [message] = mail.outbox
    link = f"{SITE}/le/requests/{ready.request.reference}/#production-panel"
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]
    assert Production.objects.get(pk=ready.pk).status == Production.Status.READY


@pytest.mark.usefixtures("settings")
def test_letter_email_links_to_the_request():
    lr = SimpleNamespace(reference="LR-2026-000042")
    letter = SimpleNamespace(get_kind_display="Decision", sha256="ab" * 32)
    context = {"lr": lr, "letter": letter, "site_url": SITE}
    assert f"{SITE}/le/requests/LR-2026-000042/" in render_to_string("emails/review-letter-body.txt", context)
    assert f'href="{SITE}/le/requests/LR-2026-000042/"' in render_to_string("emails/review-letter-body.html", context)


def test_pending_page_without_a_session_explains_in_general(anon):
    body = anon.get("/accounts/pending/").content.decode()
    assert "waiting for verification" in body and "What happens next" in body
