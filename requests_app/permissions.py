"""Who may see what. Every view asks here; nothing else filters by agency.

Officers see only their own agency's requests; platform staff (reviewer,
supervisor, admin) see all; anyone else sees nothing.
"""

from __future__ import annotations

from functools import wraps

from allauth.account.authentication import get_authentication_records
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseForbidden

from requests_app.models import STAFF_ROLES, LegalRequest, Officer


def officer_of(user) -> Officer | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "officer", None)


def is_staff_member(user) -> bool:
    officer = officer_of(user)
    return bool(officer and officer.can_act and officer.role in STAFF_ROLES)


def is_supervisor(user) -> bool:
    officer = officer_of(user)
    return bool(officer and officer.can_act and officer.is_supervisor)


def is_agency_officer(user) -> bool:
    officer = officer_of(user)
    return bool(officer and officer.can_act and officer.role == Officer.Role.OFFICER)


def visible_requests(user) -> QuerySet[LegalRequest]:
    """The requests this user may see at all."""
    officer = officer_of(user)
    if officer is None or not officer.can_act:
        return LegalRequest.objects.none()
    if officer.role in STAFF_ROLES:
        return LegalRequest.objects.all()
    return LegalRequest.objects.filter(agency_id=officer.agency_id)


def get_visible_request(user, *, reference: str | None = None, pk: int | None = None) -> LegalRequest:
    """One request the user may see, or 404 (never 403: do not reveal that it exists)."""
    qs = visible_requests(user).select_related("agency", "submitted_by", "assignee")
    lookup = {"reference": reference} if reference is not None else {"pk": pk}
    try:
        return qs.get(**lookup)
    except (LegalRequest.DoesNotExist, ValueError):
        raise Http404("No such request") from None


def session_mfa_verified(request) -> bool:
    """Whether this session passed a second factor at login (not just a password)."""
    records = get_authentication_records(request, request.user)
    return any(r.get("method") == "mfa" for r in records)


def client_ip(request) -> str | None:
    """The client's address for the audit log, proxy-aware as configured for django-axes
    (AXES_IPWARE_PROXY_COUNT), so lock-out and audit agree on who it was."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def second_factor_required(view):
    """Anonymous: to the login page. Logged in without a second factor in this session: 403.

    RequireTwoFactorMiddleware already redirects such sessions to re-authentication;
    views that need a login use this as well, so they never rely on the middleware alone."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not session_mfa_verified(request):
            raise DjangoPermissionDenied("Sign in again with your authenticator code to use this page.")
        return view(request, *args, **kwargs)

    return wrapper


CUSTODIAN_PERMISSION = "production.sign_certificate"


def is_custodian(user) -> bool:
    """A custodian of records: active staff holding production.sign_certificate (granted per person in
    the admin); only they sign certificates of authenticity (FRE 902(11): a custodian or qualified person)."""
    return bool(is_staff_member(user) and user.has_perm(CUSTODIAN_PERMISSION))


def staff_only(view):
    """Anonymous -> sign in; not staff -> 404; staff without a second factor this session -> 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise Http404("No such page")
        if not session_mfa_verified(request):
            return HttpResponseForbidden(
                "Sign out and sign in again with your authenticator code to use the legal workspace."
            )
        return view(request, *args, **kwargs)

    return wrapper
