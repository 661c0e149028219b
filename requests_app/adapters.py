"""allauth hooks for the portal."""

from __future__ import annotations

import time

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records


class PortalAccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """The link in the confirmation e-mail, on the portal's public address (SITE_URL), not on whatever
        host and port the request that sent it came through."""
        from django.urls import reverse

        from requests_app.emails import site_url

        return site_url() + reverse("account_confirm_email", args=[emailconfirmation.key])

    def get_email_verification_redirect_url(self, email_address) -> str:
        """After confirming the address: an officer who cannot sign in yet (pending verification, suspended)
        goes to the status page that says what happens next, not to the sign-in form."""
        officer = getattr(email_address.user, "officer", None)
        if officer is not None and not officer.can_act:
            from django.urls import reverse

            from requests_app.intake import onboarding

            onboarding.remember(self.request, officer)
            return reverse("account_pending")
        return super().get_email_verification_redirect_url(email_address)

    def format_email_subject(self, subject) -> str:
        """The portal's name, not the Sites framework's "[example.com]"."""
        from django.utils.translation import gettext

        return f"{gettext('LE Request Portal')}: {subject}"

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Do not ask for the password again when a user who has just signed in
        sets up their first authenticator: the portal sends them there straight
        from login (requests_app.middleware). Changing an existing second factor
        still needs a fresh reauthentication."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = getattr(self, "request", None)
        if not required or app != "allauth.mfa" or request is None:
            return required
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.authenticator_set.exists():
            return required
        records = get_authentication_records(request, user)
        logins = [r for r in records if r.get("method") == "password"]
        if logins and time.time() - logins[-1]["at"] < app_settings.REAUTHENTICATION_TIMEOUT:
            return False
        return required


def axes_username(request, credentials: dict | None) -> str | None:
    """The account django-axes counts failures against (AXES_USERNAME_CALLABLE).

    allauth calls authenticate(email=...) for e-mail logins, while its form field is
    `login` and the admin's is `username`: read whichever is there, normalised, so
    failures lock that account only, never every account behind the same address."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", {}) or {}
        value = data.get("login") or data.get("email") or data.get("username")
    value = (value or "").strip().lower()
    return value or None
