"""Account gates applied to every request of a logged-in user."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

# Paths a logged-in user may reach before enrolling a second factor.
_ENROLMENT_OPEN = ("/accounts/", "/static/", "/transparency/", "/api/", "/favicon.ico")


class AccountStateMiddleware:
    """Log out users whose account or agency is pending or suspended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            officer = getattr(user, "officer", None)
            if officer is not None and not officer.can_act:
                logout(request)
                messages.error(request, _inactive_message(officer))
                return redirect("account_login")
        return self.get_response(request)


def _inactive_message(officer) -> str:
    if officer.status == officer.Status.SUSPENDED:
        return "Your account is suspended. Contact the platform's legal team."
    if officer.agency is not None and officer.agency.verification_status == "suspended":
        return "Your agency's access is suspended. Contact the platform's legal team."
    return "Your account is waiting for verification by the platform's legal team. We will e-mail you."


class RequireTwoFactorMiddleware:
    """Send every logged-in user without an authenticator app to enrolment first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ENROLMENT_OPEN)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)
