"""Every URL pattern x every persona x GET and POST, against tests/security/access_table.py.

The patterns come from Django's URL resolver, so a new URL is covered the day it
is added (and this test fails until access_table.EXPECTED has its row). Path
parameters are filled with real objects of agency A and, separately, agency B:
an officer of A must reach A's objects and be refused B's. A refused POST must
change nothing in the database (every table's rows are compared before/after).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from requests_app.documents import encrypted_file
from requests_app.intake.models import ApiToken
from requests_app.models import Decision, Document, Officer
from requests_app.pdf_support import minimal_pdf
from requests_app.production.models import PreservationHold, Production
from tests.factories import (
    AgencyFactory,
    LegalRequestFactory,
    OfficerFactory,
    StaffFactory,
    TargetFactory,
    login_verified,
)
from tests.security.access_table import ACCOUNTS, ALLOWED, PUBLIC, audience

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "officer_a",
    "officer_b",
    "pending",
    "password_officer",
    "password_supervisor",
    "reviewer",
    "supervisor",
    "admin",
]
# Tables a refused request may legitimately touch: sessions and the lock-out's own log.
_VOLATILE = {"django_session", "axes_accesslog", "axes_accessattempt", "axes_accessfailurelog"}


def patterns(resolver=None, prefix: str = "", namespace: str | None = None):
    """(route, name, the URLPattern) of every pattern the resolver knows."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(x for x in (namespace, entry.namespace) if x) or None
            yield from patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name, entry


def _params(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def _agency_world(agency, officer, reviewer) -> dict:
    lr = LegalRequestFactory(agency=agency, submitted_by=officer.user)
    target = TargetFactory(request=lr)
    content = minimal_pdf()
    document = Document.objects.create(
        request=lr, filename="w.pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        file=encrypted_file(content), uploaded_by=officer.user,
    )  # fmt: skip
    decision = Decision.objects.create(
        request=lr, category="cloud_chat_content", verdict="approved", decided_by=reviewer.user,
        needs_second_approval=True,
    )  # fmt: skip
    production = Production.objects.create(request=lr, started_by=reviewer.user)
    hold = PreservationHold.objects.create(
        request=lr, target=target, starts_on=timezone.localdate(), until=timezone.localdate() + timedelta(days=90)
    )
    token = ApiToken.objects.create(
        user=officer.user, name="case system", prefix=f"t{agency.pk}", digest=f"d{agency.pk}" * 8
    )
    return {"agency": agency, "officer": officer, "lr": lr, "document": document, "decision": decision,
            "production": production, "hold": hold, "token": token}  # fmt: skip


# How to fill a path parameter from one agency's objects, by URL name (or "*" for any URL).
FILLERS = {
    "reference": {"*": lambda w: w["lr"].reference},
    "pk": {
        "intake:document_download": lambda w: w["document"].pk,
        "review:document": lambda w: w["document"].pk,
        "review:approve_decision": lambda w: w["decision"].pk,
        "intake:token_revoke": lambda w: w["token"].pk,
        "agencies:officers": lambda w: w["agency"].pk,
        "agencies:agency_action": lambda w: w["agency"].pk,
        "agencies:officer_action": lambda w: w["officer"].pk,
        "production:progress": lambda w: w["production"].pk,
        "production:download": lambda w: w["production"].pk,
        "production:hold_extend": lambda w: w["hold"].pk,
        "*": lambda w: 1,
    },
    "action": {"*": lambda w: "verify"},
    "code": {"*": lambda w: w["agency"].country},
    "period": {"*": lambda w: "2026-H1"},
    "version": {"*": lambda w: 1},
    # the Django admin's generated views
    "object_id": {"*": lambda w: w["lr"].pk},
    "id": {"*": lambda w: w["officer"].user.pk},
    "app_label": {"*": lambda w: "requests_app"},
    "content_type_id": {"*": lambda w: 1},
    "url": {"*": lambda w: ""},
    # allauth
    "key": {"*": lambda w: "not-a-real-key"},
    "uidb36": {"*": lambda w: "1"},
    "uidb64": {"*": lambda w: "MQ"},
    "token": {"*": lambda w: "set-password"},
    "type": {"*": lambda w: "totp"},
}


def _url(route: str, name: str, pattern: URLPattern, world: dict) -> str:
    kwargs = {}
    for param in _params(pattern):
        fill = FILLERS.get(param)
        assert fill is not None, f"{route}: add a filler for path parameter {param!r} to FILLERS"
        kwargs[param] = (fill.get(name) or fill["*"])(world)
    if name:
        with contextlib.suppress(NoReverseMatch):  # a name reused with other parameters: build from the route
            return reverse(name, kwargs=kwargs)
    url = "/" + route
    for param, value in kwargs.items():
        url = url.replace(f"<str:{param}>", str(value)).replace(f"<int:{param}>", str(value))
        url = url.replace(f"<path:{param}>", str(value))
    # regex routes: each named group becomes its value
    url = (
        re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs.get(m.group(1), "")), url).replace("^", "").replace("$", "")
    )
    assert "<" not in url and "(?P" not in url, f"cannot build a URL for {route!r} ({name})"
    return url


def _snapshot() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.db_table in _VOLATILE or not model._meta.managed:
            continue
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


_LOGIN_MARKERS = ("/accounts/login/", "/admin/login/", "/accounts/2fa/", "/accounts/reauthenticate/")


def _refused(response) -> bool:
    if response.status_code in {401, 403, 404, 405}:
        return True
    if response.status_code in {301, 302}:
        return any(marker in response["Location"] for marker in _LOGIN_MARKERS)
    return False


@pytest.fixture
def world(agency_a, agency_b, officer_a, officer_b, reviewer, supervisor):
    admin = StaffFactory(role=Officer.Role.ADMIN, user__is_staff=True, user__is_superuser=True)
    pending = OfficerFactory(agency=agency_a, status=Officer.Status.PENDING, user__email="pat@met.police.example")
    AgencyFactory(name="Pending agency", verification_status="pending")
    clients = {"anonymous": Client()}
    for name, who in [
        ("officer_a", officer_a), ("officer_b", officer_b), ("pending", pending), ("reviewer", reviewer),
        ("supervisor", supervisor), ("admin", admin), ("password_officer", officer_a),
        ("password_supervisor", supervisor),
    ]:  # fmt: skip
        client = Client()
        login_verified(client, who.user)
        if name.startswith("password_"):
            session = client.session
            session["account_authentication_methods"] = [{"method": "password", "at": timezone.now().timestamp()}]
            session.save()
        clients[name] = client
    worlds = {"A": _agency_world(agency_a, officer_a, reviewer), "B": _agency_world(agency_b, officer_b, reviewer)}
    return clients, worlds


def test_every_url_has_a_row():
    missing = [f"{name or '(unnamed)'}  {route}" for route, name, _ in patterns() if audience(name, route) is None]
    assert not missing, "URLs without a row in tests/security/access_table.py:\n" + "\n".join(missing)


def _expected_allowed(aud: str, persona: str, owner: str) -> bool:
    if persona not in ALLOWED[aud]:
        return False
    if persona in {"officer_a", "officer_b"} and aud not in {PUBLIC}:
        own = "A" if persona == "officer_a" else "B"
        return owner == own
    return True


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world, persona):
    clients, worlds = world
    client = clients[persona]
    failures = []
    # Sign-out views end the persona's session: request them last.
    ordered = sorted(patterns(), key=lambda p: "logout" in p[1] or "logout" in p[0])
    for route, name, pattern in ordered:
        aud = audience(name, route)
        assert aud is not None, f"no row for {name or route}: see test_every_url_has_a_row"
        owners = ["A", "B"] if _params(pattern) else ["A"]
        for owner in owners:
            url = _url(route, name, pattern, worlds[owner])
            for method in ("get", "post"):
                before = _snapshot() if method == "post" else None
                response = getattr(client, method)(url)
                status = response.status_code
                where = f"{persona} {method.upper()} {url} ({name}, {aud})"
                if status >= 500:
                    failures.append(f"{where}: server error {status}")
                    continue
                if aud in {ACCOUNTS, PUBLIC}:
                    continue  # public: same for all (below); allauth's pages: only no server error
                allowed = _expected_allowed(aud, persona, owner if _params(pattern) else persona[-1:].upper())
                if persona in {"officer_a", "officer_b"} and not _params(pattern):
                    allowed = persona in ALLOWED[aud]
                refused = _refused(response)
                if allowed and refused and status != 405:
                    failures.append(f"{where}: expected access, got {status} {response.get('Location', '')}")
                if not allowed and not refused:
                    failures.append(f"{where}: expected a refusal, got {status}")
                if not allowed and before is not None and _snapshot() != before:
                    failures.append(f"{where}: a refused POST changed the database")
    assert not failures, "\n".join(failures)


def test_public_pages_answer_the_same_to_everyone(world):
    clients, worlds = world
    failures = []
    for route, name, pattern in patterns():
        if audience(name, route) != PUBLIC:
            continue
        url = _url(route, name, pattern, worlds["A"])
        answers = {p: clients[p].get(url).status_code for p in PERSONAS}
        if len(set(answers.values())) != 1 or max(answers.values()) >= 500:
            failures.append(f"GET {url}: {answers}")
    assert not failures, "\n".join(failures)
