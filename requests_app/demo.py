"""Demo data for `make run`: agencies, officers, staff, and requests of every
type in every state over the last two years. Idempotent: a second run adds
nothing. Never run in production (the command refuses).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from requests_app import rules, services
from requests_app.documents import DocumentInput
from requests_app.lifecycle import FINAL_STATES, Status
from requests_app.models import Agency, Decision, LegalRequest, Officer
from requests_app.pdf_support import minimal_pdf

DEMO_PASSWORD = "demo-portal-password"  # noqa: S105 - demo only; seed_demo refuses in production
# Every demo account shares this authenticator secret so `manage.py demo_totp` can print codes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - demo only

AGENCIES = [
    ("Metropolitan Police Service", "GB", Agency.Kind.POLICE, ["met.police.example"], "verified"),
    ("Polizei Berlin", "DE", Agency.Kind.POLICE, ["polizei.berlin.example"], "verified"),
    ("Federal Bureau of Investigation", "US", Agency.Kind.NATIONAL_SECURITY, ["fbi.example"], "verified"),
    ("New York City Police Department", "US", Agency.Kind.POLICE, ["nypd.example"], "verified"),
    ("Parquet de Paris", "FR", Agency.Kind.PROSECUTOR, ["justice.paris.example"], "verified"),
    ("Polícia Federal", "BR", Agency.Kind.POLICE, ["pf.example"], "verified"),
    ("Guardia Civil", "ES", Agency.Kind.POLICE, ["guardiacivil.example"], "pending"),
]

OFFICERS = [
    ("alice@met.police.example", "Alice Walker", "Detective Sergeant", "Metropolitan Police Service", "active"),
    ("bob@polizei.berlin.example", "Bernd Schulz", "Kriminalkommissar", "Polizei Berlin", "active"),
    ("fiona@fbi.example", "Fiona Grant", "Special Agent", "Federal Bureau of Investigation", "active"),
    ("nina@nypd.example", "Nina Alvarez", "Detective", "New York City Police Department", "active"),
    ("pierre@justice.paris.example", "Pierre Martin", "Procureur adjoint", "Parquet de Paris", "active"),
    ("joao@pf.example", "João Silva", "Delegado", "Polícia Federal", "active"),
    ("elena@guardiacivil.example", "Elena Ruiz", "Sargento", "Guardia Civil", "pending"),
]

STAFF = [
    ("rita@platform.example", "Rita Reviewer", Officer.Role.REVIEWER),
    ("ravi@platform.example", "Ravi Reviewer", Officer.Role.REVIEWER),
    ("sam@platform.example", "Sam Supervisor", Officer.Role.SUPERVISOR),
    ("sue@platform.example", "Sue Supervisor", Officer.Role.SUPERVISOR),
    ("admin@platform.example", "Ada Admin", Officer.Role.ADMIN),
]

CUSTODIAN_EMAIL = "sam@platform.example"  # also the custodian of records in the demo

# What each demo agency typically sends: (request type, framework, authority kind, categories).
PROFILES = {
    "GB": [("cloud_act", "cloud_act", "court", ["subscriber_info", "cloud_chat_content"]),
           ("court_order_other", "national", "court", ["subscriber_info", "ip_logs"]),
           ("emergency", "national", "police", ["subscriber_info", "ip_logs"])],
    "DE": [("epoc", "eu_eevidence", "prosecutor", ["subscriber_info"]),
           ("epoc", "eu_eevidence", "judge", ["cloud_chat_content", "contacts", "ip_logs"]),
           ("epoc_pr", "eu_eevidence", "prosecutor", ["cloud_chat_content"]),
           ("epoc_pr_extension", "eu_eevidence", "prosecutor", ["cloud_chat_content"]),
           ("epoc_pr_confirmation", "eu_eevidence", "judge", ["cloud_chat_content"])],
    "US": [("subpoena", "us_sca", "prosecutor", ["subscriber_info", "ip_logs"]),
           ("court_order_2703d", "us_sca", "court", ["ip_logs", "contacts"]),
           ("search_warrant", "us_sca", "judge", ["subscriber_info", "cloud_chat_content", "media"]),
           ("preservation", "us_sca", "police", ["cloud_chat_content", "media"]),
           ("preservation_extension", "us_sca", "police", ["cloud_chat_content"]),
           ("pen_register", "us_sca", "court", ["ip_logs"]),
           ("wiretap", "us_sca", "judge", ["group_channel_content"]),
           ("emergency", "us_sca", "police", ["subscriber_info", "ip_logs"])],
    "FBI": [("nsl", "us_sca", "national_security", ["subscriber_info"]),
            ("fisa_content", "us_sca", "court", ["cloud_chat_content"]),
            ("fisa_non_content", "us_sca", "court", ["subscriber_info", "ip_logs"]),
            ("fisa_702", "us_sca", "national_security", ["cloud_chat_content"])],
    "FR": [("epoc", "eu_eevidence", "prosecutor", ["subscriber_info"]),
           ("dsa_art10", "eu_dsa", "other", ["subscriber_info"]),
           ("mlat", "mlat", "court", ["cloud_chat_content"])],
    "BR": [("court_order_other", "national", "court", ["subscriber_info", "ip_logs"]),
           ("mlat", "mlat", "court", ["group_channel_content"])],
}  # fmt: skip

# Where each demo request ends up; every state appears.
PATHS: dict[Status, list[Status]] = {
    Status.SUBMITTED: [],
    Status.VALIDATED: [Status.VALIDATED],
    Status.AWAITING_VERIFICATION: [Status.AWAITING_VERIFICATION],
    Status.IN_REVIEW: [Status.VALIDATED, Status.IN_REVIEW],
    Status.NEEDS_INFO: [Status.VALIDATED, Status.IN_REVIEW, Status.NEEDS_INFO],
    Status.APPROVED: [Status.VALIDATED, Status.IN_REVIEW, Status.APPROVED],
    Status.PARTIALLY_APPROVED: [Status.VALIDATED, Status.IN_REVIEW, Status.PARTIALLY_APPROVED],
    Status.PRODUCING: [Status.VALIDATED, Status.IN_REVIEW, Status.APPROVED, Status.PRODUCING],
    Status.DELIVERED: [Status.VALIDATED, Status.IN_REVIEW, Status.APPROVED, Status.PRODUCING, Status.DELIVERED],
    Status.CLOSED: [
        Status.VALIDATED,
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.PRODUCING,
        Status.DELIVERED,
        Status.CLOSED,
    ],
    Status.REJECTED: [Status.VALIDATED, Status.IN_REVIEW, Status.REJECTED],
    Status.INVALID: [Status.INVALID],
    Status.WITHDRAWN: [Status.VALIDATED, Status.WITHDRAWN],
}

# Apps that add their own demo data after the core (historical requests and published reports).
EXTENSIONS = ["transparency.demo", "requests_app.cybertipline.demo"]


@dataclass
class SeedResult:
    created: bool
    requests: int
    logins: list[tuple[str, str]]


def seed(*, stdout=None, rng_seed: int = 2026) -> SeedResult:
    logins = [(email, f"{role}") for email, _, role in STAFF] + [(o[0], "officer") for o in OFFICERS]
    if Agency.objects.filter(name=AGENCIES[0][0]).exists():
        return SeedResult(created=False, requests=LegalRequest.objects.count(), logins=logins)
    rng = random.Random(rng_seed)
    with transaction.atomic():
        agencies = _agencies()
        officers = _officers(agencies)
        staff = _staff()
        count = _requests(rng, officers, staff)
        count += _legal_examples(officers, staff)
    for path in EXTENSIONS:
        import_module(path).seed(stdout=stdout)
    return SeedResult(created=True, requests=count, logins=logins)


def _user(email: str, *, superuser: bool = False):
    User = get_user_model()
    user = User.objects.create_user(username=email.split("@")[0], email=email, password=DEMO_PASSWORD)
    if superuser:
        user.is_staff = user.is_superuser = True
        user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def _agencies() -> dict[str, Agency]:
    out = {}
    for name, country, kind, domains, status in AGENCIES:
        out[name] = Agency.objects.create(
            name=name,
            country=country,
            kind=kind,
            email_domains=domains,
            verification_status=status,
            verified_at=timezone.now() if status == "verified" else None,
            # Issue 16: how a verified agency was checked (demo evidence, not a real directory).
            verification_method=Agency.VerificationMethod.CALL_BACK if status == "verified" else "",
            verification_evidence=f"Demo: called back the switchboard of {name} listed in the national directory"
            if status == "verified"
            else "",
        )
    return out


def _officers(agencies: dict[str, Agency]) -> list[Officer]:
    out = []
    for email, name, rank, agency_name, status in OFFICERS:
        out.append(
            Officer.objects.create(
                user=_user(email), agency=agencies[agency_name], role=Officer.Role.OFFICER, status=status,
                full_name=name, rank=rank, phone="+442079460018",
            )
        )  # fmt: skip
    return out


def _staff() -> list[Officer]:
    from django.contrib.auth.models import Permission

    out = []
    for email, name, role in STAFF:
        out.append(
            Officer.objects.create(
                user=_user(email, superuser=role == Officer.Role.ADMIN), role=role, status=Officer.Status.ACTIVE,
                full_name=name, rank="Legal team",
            )
        )  # fmt: skip
        if email == CUSTODIAN_EMAIL:
            # The custodian of records: signs certificates of authenticity (production.sign_certificate).
            out[-1].user.user_permissions.add(Permission.objects.get(codename="sign_certificate"))
    return out


def _requests(rng: random.Random, officers: list[Officer], staff: list[Officer]) -> int:
    active = [o for o in officers if o.status == Officer.Status.ACTIVE]
    reviewers = [s for s in staff if s.role == Officer.Role.REVIEWER]
    now = timezone.now()
    states = list(PATHS)
    count = 0
    index = 0
    for officer in active:
        key = "FBI" if officer.agency.kind == Agency.Kind.NATIONAL_SECURITY else officer.agency.country.code
        for rtype, framework, authority, categories in PROFILES[key]:
            for _ in range(3):
                final = states[index % len(states)]
                index += 1
                # Open states are recent; finished ones are spread over two years.
                if final in {Status.SUBMITTED, Status.VALIDATED, Status.AWAITING_VERIFICATION}:
                    age = timedelta(hours=rng.randint(1, 30))
                elif final in FINAL_STATES:
                    age = timedelta(days=rng.randint(3, 720))
                else:  # work in progress: recent enough that most of it is not yet overdue
                    age = timedelta(hours=rng.randint(24, 24 * 12))
                received = now - age
                _one_request(
                    rng,
                    officer,
                    rng.choice(reviewers),
                    rtype,
                    framework,
                    authority,
                    categories,
                    final,
                    received,
                    minimal_pdf,
                )
                count += 1
    return count


def _legal_examples(officers: list[Officer], staff: list[Officer]) -> int:
    """The legal safeguards, one example each, made through the real services (docs/legal-workflow.md)."""
    from requests_app.models import Target
    from requests_app.production import services as production

    by_email = {o.user.email: o for o in officers}
    pdf = DocumentInput("order.pdf", minimal_pdf("Signed order"))
    berlin, nypd = by_email["bob@polizei.berlin.example"], by_email["nina@nypd.example"]
    # 1. An emergency EPOC of the police for subscriber data, awaiting ex-post validation (Art. 4(5)).
    services.request_submit(
        actor=berlin.user,
        data=services.SubmissionData(
            request_type="epoc", legal_framework="eu_eevidence", country="DE", authority_kind="police",
            issuing_authority="Polizei Berlin, LKA 1", case_number="DE-EMG-EPOC-1",
            data_categories=["subscriber_info"], targets=[("username", "demo_epoc_emergency")],
            date_from=timezone.localdate() - timedelta(days=2), date_to=timezone.localdate(),
            emergency=True, emergency_attested=True,
            emergency_justification="A hostage is held at an unknown address; the kidnapper threatened to kill him tonight.",
        ),
        documents=[pdf], acknowledge_warnings=True,
    )  # fmt: skip
    # 2. A preservation hold past its end, kept alive by an open follow-up warrant.
    pres = services.request_submit(
        actor=nypd.user,
        data=services.SubmissionData(
            request_type="preservation", legal_framework="us_sca", country="US", authority_kind="police",
            case_number="NY-KEPT-1", data_categories=["cloud_chat_content"], targets=[("username", "demo_kept_alive")],
        ),
        documents=[pdf], acknowledge_warnings=True,
    )  # fmt: skip
    production.holds_provisional_create(request_id=pres.pk)
    today = timezone.localdate()
    pres.holds.update(starts_on=today - timedelta(days=95), until=today - timedelta(days=5))
    warrant = services.request_submit(
        actor=nypd.user,
        data=services.SubmissionData(
            request_type="search_warrant", legal_framework="us_sca", country="US", authority_kind="judge",
            case_number="NY-KEPT-2", data_categories=["cloud_chat_content"], targets=[("username", "demo_kept_alive")],
            date_from=today - timedelta(days=120), date_to=today - timedelta(days=1),
        ),
        documents=[pdf], acknowledge_warnings=True,
    )  # fmt: skip
    production.holds_link_followups(request_id=warrant.pk)
    production.holds_release_expired()
    # 3. A notice held by process type: closed national-security process (18 U.S.C. 2709(c), 50 U.S.C. 1861(d)).
    nsl = LegalRequest.objects.filter(request_type__in=rules.NATIONAL_SECURITY_TYPES, status=Status.CLOSED).first()
    if nsl is not None:
        Target.objects.filter(pk=nsl.targets.values("pk")[:1]).update(lookup=Target.Lookup.FOUND)
        production.notices_create_for_request(request_id=nsl.pk)
    # 4. A package whose certificate of authenticity the custodian of records (Sam) signed, which released
    #    it; the other demo packages wait for that signature in the workspace (FRE 902(11)).
    from requests_app.production.models import Production

    custodian = next(o for o in staff if o.user.email == CUSTODIAN_EMAIL)
    custodian.user = type(custodian.user).objects.get(pk=custodian.user.pk)  # fresh permission cache
    first = Production.objects.filter(status=Production.Status.BUILDING).order_by("pk").first()
    if first is not None:
        built = production.production_build(production_id=first.pk)
        production.certificate_sign(production=built, actor=custodian.user)
    return 3


def _one_request(
    rng, officer, reviewer, rtype, framework, authority, categories, final, received: datetime, pdf
) -> None:
    emergency = rtype == "emergency" or final == Status.AWAITING_VERIFICATION
    if final == Status.AWAITING_VERIFICATION and rtype != "emergency":
        rtype, framework, authority, categories = (
            "emergency",
            framework if framework in rules.REQUEST_TYPES["emergency"].frameworks else "national",
            "police",
            ["subscriber_info", "ip_logs"],
        )
    country = officer.agency.country.code
    n_targets = rng.choice([1, 1, 1, 2, 3])
    targets = [
        (
            "username",
            f"demo_{rng.choice(['dealer', 'admin', 'seller', 'unknown', 'channel'])}_{rng.randint(1000, 9999)}",
        )
        for _ in range(n_targets)
    ]
    data = services.SubmissionData(
        request_type=rtype,
        legal_framework=framework,
        country=country
        if rtype
        not in {
            "nsl",
            "fisa_content",
            "fisa_non_content",
            "fisa_702",
            "subpoena",
            "court_order_2703d",
            "search_warrant",
            "preservation",
            "preservation_extension",
            "pen_register",
            "wiretap",
        }
        else "US",
        authority_kind=authority,
        issuing_authority=f"{officer.agency.name} — {rules.AUTHORITY_KINDS[authority]}",
        case_number=f"{country}-{received:%Y}-{rng.randint(10000, 99999)}",
        data_categories=categories,
        targets=targets,
        date_from=(received - timedelta(days=rng.randint(30, 200))).date()
        if not rules.REQUEST_TYPES[rtype].preservation
        else None,
        date_to=received.date() if not rules.REQUEST_TYPES[rtype].preservation else None,
        emergency=emergency,
        emergency_justification="A missing 14-year-old is believed to be with an adult who threatened to kill her; the account is the only lead."
        if emergency
        else "",
        emergency_attested=emergency,
        ndo_until=(received + timedelta(days=rng.choice([90, 180, 365]))).date() if rng.random() < 0.3 else None,
    )
    if final == Status.INVALID:
        data.data_categories = [*categories, "secret_chat_content"]
    findings = rules.validate(data.draft(has_document=True, today=received.date()))
    user = officer.user
    request = services.request_create_backdated(
        agency=officer.agency,
        actor=user,
        data=data,
        findings=findings,
        documents=lambda r: [DocumentInput(f"{rtype}-{r.reference}.pdf", pdf(f"{rtype} {r.reference}"))],
        received_at=received,
    )
    at = received
    steps = list(PATHS[final])
    if emergency and steps and steps[0] == Status.VALIDATED:
        # Emergencies are checked out of band before review (see review.services.emergency_verify).
        steps[0] = Status.AWAITING_VERIFICATION
    build_package = final == Status.DELIVERED and not rules.REQUEST_TYPES[rtype].preservation
    if rules.REQUEST_TYPES[rtype].preservation and Status.APPROVED in steps:
        # Approval creates the holds and closes the request (production app); nothing is disclosed.
        steps = steps[: steps.index(Status.APPROVED) + 1]
    if build_package:
        steps = steps[: steps.index(Status.PRODUCING)]
    for step in steps:
        at = at + timedelta(hours=rng.randint(1, 30))
        if at > timezone.now():
            at = timezone.now()
        if step == Status.IN_REVIEW and request.status == Status.AWAITING_VERIFICATION:
            _verify_emergency(request, reviewer.user, at)
            continue
        actor = None if step in {Status.VALIDATED, Status.AWAITING_VERIFICATION, Status.INVALID} else reviewer.user
        reason = ""
        changes = {}
        if step == Status.WITHDRAWN:
            actor, reason = user, "The suspect was identified by other means."
        elif step == Status.INVALID:
            reason = (
                "; ".join(f["message"] for f in request.findings if f["severity"] == "error")
                or "Failed automatic validation."
            )
        elif step == Status.NEEDS_INFO:
            reason = "Please send the signed order; the copy attached is unsigned."
        elif step == Status.REJECTED:
            reason, changes = (
                "The order does not name this platform.",
                {"rejection_reason": rng.choice(["insufficient_process", "overbroad", "wrong_jurisdiction"])},
            )
        elif step in {Status.APPROVED, Status.PARTIALLY_APPROVED}:
            _decide(request, reviewer.user, partial=step == Status.PARTIALLY_APPROVED, at=at)
        elif step == Status.DELIVERED:
            changes = {
                "produced_categories": [
                    d.category for d in request.decisions.all() if d.verdict == Decision.Verdict.APPROVED
                ],
                "outcome": LegalRequest.Outcome.DATA_PRODUCED,
            }
        services.request_transition(request=request, to=step, actor=actor, reason=reason, at=at, **changes)
    if build_package:
        # A real package: collected from the demo record source, encrypted, downloadable by the agency.
        from requests_app.production.services import production_start

        production_start(request=request, actor=reviewer.user)
    if final in {Status.IN_REVIEW, Status.NEEDS_INFO, Status.APPROVED, Status.PARTIALLY_APPROVED, Status.PRODUCING}:
        LegalRequest.objects.filter(pk=request.pk).update(assignee=reviewer.user)


def _verify_emergency(request: LegalRequest, user, at: datetime) -> None:
    from requests_app.review.services import VerificationInput, emergency_verify

    check = VerificationInput(
        contact_name=f"Duty officer, {request.agency.name}",
        directory_number="+442079460000",
        directory_source="Official switchboard number from the agency's public website",
        called_at=at,
        result="confirmed",
        note="Called the switchboard and was put through to the duty officer, who confirmed the request.",
        good_faith_belief=True,
    )
    emergency_verify(request=request, actor=user, check=check)


def _decide(request: LegalRequest, user, *, partial: bool, at: datetime) -> None:
    cats = list(request.data_categories)
    for i, category in enumerate(cats):
        deny = partial and len(cats) > 1 and i == len(cats) - 1
        Decision.objects.create(
            request=request,
            category=category,
            verdict=Decision.Verdict.DENIED if deny else Decision.Verdict.APPROVED,
            reason_code="overbroad" if deny else "",
            decided_by=user,
            decided_at=at,
        )
