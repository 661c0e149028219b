"""The one way the portal sends an e-mail: templates/emails/<name>-subject.txt,
-body.txt and -body.html, rendered with the site URL, to the given addresses.

Each app keeps one function per e-mail (intake/emails.py, review/emails.py,
production/emails.py) that builds the context and calls send_templated.
E-mails never carry message text, targets or other case content.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def officer_language(user) -> str:
    """The language an officer's e-mails are written in: the one they last used the portal in."""
    officer = getattr(user, "officer", None) if user is not None else None
    return (officer.language if officer is not None else "") or settings.LANGUAGE_CODE


def send_templated(name: str, to: list[str], context: dict[str, object], *, language: str = "") -> None:
    """Render and send; in `language` (an officer's, see officer_language), else the portal's
    default: e-mails to the legal team stay English whatever request triggered them."""
    to = [address for address in to if address]
    if not to:
        return
    context = {**context, "site_url": site_url()}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    mail.attach_alternative(html, "text/html")
    mail.send()
