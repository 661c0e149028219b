"""factory_boy factories and helpers shared by every test module."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from requests_app.cybertipline import services as cybertip_services
from requests_app.lifecycle import Status
from requests_app.models import Agency, Decision, LegalRequest, Officer, Target
from requests_app.pdf_support import minimal_pdf  # noqa: F401  (re-exported for tests)
from requests_app.production import services as production_services
from requests_app.services import SubmissionData, request_transition
from transparency.importer import write_csv

User = get_user_model()
PASSWORD = "correct horse battery staple 42"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    country = "GB"
    kind = Agency.Kind.POLICE
    email_domains = factory.Sequence(lambda n: [f"agency{n}.police.example"])
    verification_status = Agency.Verification.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@agency.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
            self.save()


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Officer.Role.OFFICER
    status = Officer.Status.ACTIVE
    full_name = factory.Faker("name")
    rank = "Detective Sergeant"


class StaffFactory(OfficerFactory):
    agency = None
    role = Officer.Role.REVIEWER
    rank = "Legal counsel"


class LegalRequestFactory(factory.django.DjangoModelFactory):
    """A request saved directly, for read-side tests. Write-side tests use services."""

    class Meta:
        model = LegalRequest

    reference = factory.Sequence(lambda n: f"LR-2026-{n + 900000:06d}")
    agency = factory.SubFactory(AgencyFactory)
    request_type = "search_warrant"
    legal_framework = "us_sca"
    country = "US"
    authority_kind = "judge"
    issuing_authority = "District Court"
    case_number = factory.Sequence(lambda n: f"CASE-{n}")
    data_categories = factory.LazyFunction(lambda: ["subscriber_info", "cloud_chat_content"])
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=14))
    status = Status.VALIDATED


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    request = factory.SubFactory(LegalRequestFactory)
    identifier_type = "username"
    raw_value = factory.Sequence(lambda n: f"target_user{n}")
    kind = "username"
    value = factory.LazyAttribute(lambda o: o.raw_value.lower())


def enrol_totp(user) -> str:
    """Give the user an authenticator app; returns the TOTP secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return f"{hotp_value(secret, counter):06d}"


def login_verified(client, user) -> None:
    """Log in as if the user had passed password + TOTP (allauth's session records)."""
    if not user.authenticator_set.exists():
        enrol_totp(user)
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": timezone.now().timestamp(), "email": user.email},
        {"method": "mfa", "at": timezone.now().timestamp(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def signup(client, *, host: str | None = None, **overrides):
    """An officer's sign-up form posted as a person would (valid unless overridden)."""
    data = {
        "full_name": "Dana Detective",
        "email": "dana@met.police.example",
        "rank": "Detective Sergeant",
        "phone": "+44 20 7946 0018",
        "password1": "a long and unusual passphrase 7",
        "password2": "a long and unusual passphrase 7",
        **overrides,
    }
    return client.post("/accounts/signup/", data, **({"HTTP_HOST": host} if host else {}))


def warrant_data(**overrides):
    """A valid US search warrant submission; override any SubmissionData field."""
    from datetime import date

    from requests_app.services import SubmissionData

    data = dict(
        request_type="search_warrant",
        legal_framework="us_sca",
        country="US",
        authority_kind="judge",
        issuing_authority="US District Court, N.D. Cal.",
        case_number="CR-2026-0042",
        data_categories=["subscriber_info", "cloud_chat_content"],
        targets=[("phone", "+1 202 555 0143"), ("username", "@Some_User")],
        date_from=date(2026, 1, 1),
        date_to=date(2026, 3, 1),
    )
    data.update(overrides)
    return SubmissionData(**data)


def placeholder_image(n: int) -> bytes:
    """A generated placeholder PNG (a flat grey square): never real material."""
    from requests_app.cybertipline.demo import placeholder_png

    return placeholder_png((40 * n) % 256, size=8)


# The short name most tests use for it.
warrant = warrant_data


def preservation_hold(agency, *, days: int = 5, **target):
    """A hold of a closed preservation request of `agency` on one found account, ending in `days` days."""
    from datetime import timedelta

    from django.utils import timezone

    from requests_app.production.models import PreservationHold

    lr = LegalRequestFactory(agency=agency, request_type="preservation", status="closed")
    return PreservationHold.objects.create(
        request=lr,
        target=TargetFactory(request=lr, lookup="found", **target),
        categories=["subscriber_info"],
        starts_on=timezone.localdate(),
        until=timezone.localdate() + timedelta(days=days),
    )


# --- production builders (bring a request to approved, build, sign, close) -----------------------------
# Emergency justification used by the safeguard tests.
JUSTIFICATION = "A 12-year-old was abducted an hour ago; the suspect threatened to kill her."


def submission(**overrides) -> SubmissionData:
    overrides.setdefault("data_categories", ["subscriber_info", "ip_logs", "cloud_chat_content"])
    overrides.setdefault("targets", [("username", "@Some_User"), ("username", "unknown_person")])
    overrides.setdefault("date_to", date(2026, 2, 28))
    return warrant_data(**overrides)


def approve(request, reviewer, verdicts: dict[str, str], *, to=Status.APPROVED, second=None):
    """Open review, record one Decision per category, approve. verdicts: category -> approved/denied."""
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    for category, verdict in verdicts.items():
        Decision.objects.create(
            request=request,
            category=category,
            verdict=verdict,
            reason_code="" if verdict == "approved" else "overbroad",
            decided_by=reviewer.user,
            needs_second_approval=second is not None and category == second[0],
            approved_by=None,
        )
    request_transition(request=request, to=to, actor=reviewer.user)
    return request


def sign(production, custodian):
    """The custodian signs the package's certificate, which releases it (production.services.certificate_sign)."""
    return production_services.certificate_sign(production=production, actor=custodian.user)


def release(request, staff):
    """Make `staff` a custodian and sign the request's built package (releasing it), as the workspace does."""
    from django.contrib.auth.models import Permission

    from requests_app.production.models import Production

    staff.user.user_permissions.add(Permission.objects.get(codename="sign_certificate"))
    staff.user = type(staff.user).objects.get(pk=staff.user.pk)
    production = Production.objects.get(request=request, status=Production.Status.UNSIGNED)
    return sign(production, staff)


def submit_now(submit, capture, **kw):
    with capture(execute=True):
        return submit(**kw)


def close(lr, reviewer, capture, categories=("subscriber_info",)):
    approve(lr, reviewer, dict.fromkeys(categories, "approved"))
    with capture(execute=True):
        production_services.production_start(request=lr, actor=reviewer.user)
    with capture(execute=True):
        release(lr, reviewer)
    with capture(execute=True):
        request_transition(request=lr, to=Status.CLOSED, actor=reviewer.user)
    lr.refresh_from_db()
    return lr


# --- clients, browsers, CyberTipline reports, emergency requests, import rows -----------------------------


def closed_under_ndo(submit, reviewer, capture, *, days: int):
    """A request for subscriber info under a nondisclosure order ending in `days` days, answered and closed:
    its user notice waits for the order to end."""
    lr = submit_now(
        submit, capture, data_categories=["subscriber_info"], ndo=True,
        ndo_until=timezone.localdate() + timedelta(days=days),
    )  # fmt: skip
    close(lr, reviewer, capture)
    return lr


def closed_emergency(submit, reviewer, capture):
    """A police emergency request for subscriber info, answered and closed: its user notice waits for a
    reviewer to record that the danger is over."""
    lr = submit_now(
        submit, capture, request_type="emergency", authority_kind="police", emergency=True,
        emergency_justification=JUSTIFICATION, emergency_attested=True, data_categories=["subscriber_info"],
    )  # fmt: skip
    close(lr, reviewer, capture)
    return lr


def client_for(officer: Officer) -> Client:
    client = Client()
    login_verified(client, officer.user)
    return client


def browser_login(context, live_server, user) -> None:
    """Give the browser a session that passed password + TOTP, without typing them."""
    from urllib.parse import urlparse

    from django.conf import settings

    client = Client()
    login_verified(client, user)
    host = urlparse(live_server.url).hostname
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )


def grant(officer):
    officer.user.user_permissions.add(Permission.objects.get(codename="access_register"))
    # Drop Django's per-instance permission cache.
    for attr in ("_perm_cache", "_user_perm_cache"):
        officer.user.__dict__.pop(attr, None)
    return officer


def report_data(**overrides) -> cybertip_services.ReportData:
    now = timezone.now()
    base = dict(
        incident_type="child_pornography",
        knowledge_at=now - timedelta(hours=2),
        detection_source="hash_match",
        hash_list="NCMEC hash sharing list",
        summary="Two images matched the hash list in a group.",
        accounts=[
            cybertip_services.AccountInput(
                user_id="5550001",
                username="@offender",
                phone="+12025550143",
                signup_ip="203.0.113.7",
                upload_ip="198.51.100.23",
                upload_port=51234,
                upload_at=now - timedelta(hours=3),
            )
        ],
        files=[
            cybertip_services.FileInput(
                name="a.png", content=placeholder_image(1), chat_type="group", perceptual_hash="pdq:ab12"
            ),
            cybertip_services.FileInput(name="b.png", content=placeholder_image(2), chat_type="private_chat"),
        ],
    )
    base.update(overrides)
    return cybertip_services.ReportData(**base)


def emergency_data(**overrides) -> SubmissionData:
    base = dict(
        request_type="emergency",
        emergency=True,
        emergency_justification="A 12-year-old was abducted an hour ago; the suspect threatened to kill her.",
        emergency_attested=True,
        case_number="EMG-1",
        data_categories=["subscriber_info", "ip_logs"],
    )
    base.update(overrides)
    return warrant_data(**base)


def import_row(n, **over):
    base = {
        "external_id": f"ext-{n}",
        "received_at": "2025-02-03T10:00:00Z",
        "country": "FR",
        "agency": "Police nationale",
        "request_type": "court_order_other",
        "emergency": False,
        "targets": ["+33 6 12 34 56 78", "some_user", "https://t.me/achannel"],
        "targets_not_found": ["https://t.me/achannel"],
        "data_categories": ["subscriber_info", "cloud_chat_content"],
        "produced_categories": ["subscriber_info"],
        "final_status": "closed",
        "rejection_reason": "",
        "decided_at": "2025-02-05",
        "closed_at": "2025-02-07",
        "ndo_until": "2026-01-01",
        "user_notified": True,
    }
    base.update(over)
    return base


def import_csv(tmp_path, rows, name="import.csv"):
    path = tmp_path / name
    path.write_text(write_csv(rows), encoding="utf-8")
    return path
