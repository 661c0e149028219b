"""Account gates applied to every request of a logged-in user."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from requests_app.permissions import session_mfa_verified

# Paths a logged-in user may reach before this session passed a second factor:
# sign-in, enrolment and re-authentication (/accounts/), public pages, and the
# API, which authenticates every call by token, never by session.
_ENROLMENT_OPEN = ("/accounts/", "/static/", "/transparency/", "/api/", "/favicon.ico", "/healthz", "/i18n/")
# ... except the legal team's pages that live under a public prefix, and the pages that change how the
# account signs in (e-mail addresses, password, authenticator, recovery codes): a session that passed only a
# password may finish signing in, not change those (found by tests/security/test_access_matrix.py).
_NEVER_OPEN = (
    "/transparency/manage/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/password/set/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/2fa/recovery-codes/",
)
_NEVER_OPEN_EXACT = frozenset({"/accounts/2fa/"})


class AccountStateMiddleware:
    """Log out users whose account or agency is pending or suspended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            officer = getattr(user, "officer", None)
            if officer is not None and not officer.can_act:
                # Not "Successfully signed in" next to "waiting": the sign-in (or the e-mail confirmation that
                # signed them in) did not open the portal. Drop what it queued; the status page explains.
                list(messages.get_messages(request))
                logout(request)
                from requests_app.intake import onboarding

                onboarding.remember(request, officer)
                return redirect("account_pending")
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Every page behind a login needs a second factor verified in THIS session.

    Without an authenticator app: to enrolment. With one, but the session only
    passed a password (e.g. it enrolled just now, or signed in before enrolling):
    to allauth's re-authentication with the authenticator code, which records an
    "mfa" authentication in the session. Enrolment alone never opens a page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or (
                request.path.startswith(_ENROLMENT_OPEN)
                and not request.path.startswith(_NEVER_OPEN)
                and request.path not in _NEVER_OPEN_EXACT
            )
        ):
            return self.get_response(request)
        if session_mfa_verified(request):
            return self.get_response(request)
        nxt = request.get_full_path()
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return redirect(f"{reverse('mfa_activate_totp')}?next={nxt}")
        return redirect(f"{reverse('mfa_reauthenticate')}?next={nxt}")


# The legal team's workspace stays English (issue 16): its pages publish signed reports and
# write letters whose wording must not depend on a reviewer's browser.
_ENGLISH_ONLY = ("/legal/", "/transparency/manage/", "/admin/")


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (switcher cookie, then Accept-Language), English on staff pages."""

    def process_request(self, request):
        if request.path.startswith(_ENGLISH_ONLY):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if response.status_code < 400:  # a refused or failed request changes nothing, not even this
            _remember_officer_language(request)
        return response


def _remember_officer_language(request) -> None:
    """Keep the officer's language for the e-mails sent later, outside any request (one UPDATE
    when it changes). A preference, not a case fact: not audited."""
    if request.path.startswith(_ENGLISH_ONLY):
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    officer = getattr(user, "officer", None)
    language = getattr(request, "LANGUAGE_CODE", "")
    if officer is None or officer.is_staff_role or not language or officer.language == language:
        return
    from requests_app.models import Officer

    Officer.objects.filter(pk=officer.pk).update(language=language)
    officer.language = language


class PortalErrorMiddleware:
    """The web views' one handler of a refusal (requests_app.exceptions.PortalError) that the view did not
    answer itself: after a form (POST from one of the portal's pages) the message on that page;
    otherwise the error page with the refusal's status and message. The API answers through its DRF
    exception handler instead (JSON with the refusal's `code`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.utils.http import url_has_allowed_host_and_scheme

        from requests_app import errors
        from requests_app.exceptions import PortalError

        if not isinstance(exception, PortalError) or errors.is_api(request):
            return None
        back = request.META.get("HTTP_REFERER", "")
        if request.method == "POST" and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, str(exception))
            return redirect(back)
        return errors.refusal_page(request, exception)
