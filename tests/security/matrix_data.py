"""The data set and personas of the authorization matrix (tests/security/test_access_matrix.py).

Two agencies, A and B, each with real objects behind every kind of path parameter (a request with a
document, a decision and a package ready to download, a preservation hold, an API token, a receipt in the
audit log), plus what only the legal team has (a CyberTipline report, transparency reports). Built once per
test module; every cell runs inside its own savepoint, so nothing one cell does reaches another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from django.test import Client, TestCase
from django.utils import timezone

from requests_app.documents import DocumentInput
from requests_app.intake.drafts import draft_save
from requests_app.lifecycle import Status
from requests_app.models import Agency, Decision, LegalRequest, Officer, RequestEvent
from requests_app.pdf_support import minimal_pdf
from tests.factories import AgencyFactory, OfficerFactory, StaffFactory, enrol_totp, login_verified

PERSONAS = (
    "anonymous",
    "officer_a",
    "officer_b",
    "pending",
    "pw_officer",
    "pw_supervisor",
    "reviewer",
    "supervisor",
    "admin",
)


@dataclass
class Persona:
    name: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # API token, sent as Authorization: Bearer on every call

    def client(self) -> Client:
        client = Client()
        for key, value in self.cookies.items():
            client.cookies[key] = value
        if self.token:
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return client


@dataclass
class AgencySide:
    agency: Agency
    officer: Officer
    request: LegalRequest  # approved, with a document, decisions and a package ready to download
    document_pk: int
    decision_pk: int
    receipt_index: int
    production_pk: int
    hold_pk: int  # a preservation hold (of a preservation request of this agency)
    token_pk: int
    token_secret: str
    draft_pk: int  # a saved draft of the new-request form, the officer's own


@dataclass
class MatrixData:
    a: AgencySide
    b: AgencySide
    personas: dict[str, Persona]
    ct_reference: str
    ct_file_pk: int
    report_period: str
    report_version: int
    draft_pk: int
    group_pk: int
    saved_view_pk: int  # the reviewer's own saved queue view (someone else's answers 404)
    confirm_key: str
    reset_uidb36: str
    reset_key: str
    admin_objects: dict[str, str] = field(default_factory=dict)  # "app_model" -> object id
    content_type_id: int = 0
    row_counts: dict[str, int] = field(default_factory=dict)

    def side(self, variant: str) -> AgencySide:
        return self.a if variant == "a" else self.b


def _password_only(client: Client, user) -> None:
    """A session that passed the password but not the second factor (the user HAS an authenticator)."""
    if not user.authenticator_set.exists():
        enrol_totp(user)
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": timezone.now().timestamp(), "email": user.email}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def _cookies(client: Client) -> dict[str, str]:
    return {key: morsel.value for key, morsel in client.cookies.items()}


def _side(agency: Agency, officer: Officer, reviewer: Officer) -> AgencySide:
    from requests_app.intake.services import api_token_create
    from requests_app.production import services as production
    from requests_app.production.models import PreservationHold
    from requests_app.services import request_submit
    from tests.factories import approve, submission

    with TestCase.captureOnCommitCallbacks(execute=True):
        lr = request_submit(
            actor=officer.user,
            data=submission(),
            documents=[DocumentInput("warrant.pdf", minimal_pdf())],
            acknowledge_warnings=True,
        )
        approve(lr, reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved", "ip_logs": "denied"})
    with TestCase.captureOnCommitCallbacks(execute=True):
        package = production.production_start(request=lr, actor=reviewer.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        pres = request_submit(
            actor=officer.user,
            data=submission(request_type="preservation", data_categories=["subscriber_info", "cloud_chat_content"]),
            documents=[DocumentInput("letter.pdf", minimal_pdf())],
            acknowledge_warnings=True,
        )
        approve(pres, reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    token, secret = api_token_create(user=officer.user, name="case system")
    lr.refresh_from_db()
    return AgencySide(
        agency=agency,
        officer=officer,
        request=lr,
        document_pk=lr.documents.get().pk,
        decision_pk=Decision.objects.filter(request=lr).first().pk,
        receipt_index=0,  # set once the log is sequenced
        production_pk=package.pk,
        hold_pk=PreservationHold.objects.filter(request=pres).order_by("pk").first().pk,
        token_pk=token.pk,
        token_secret=secret,
        draft_pk=draft_save(user=officer.user, data=QueryDict("request_type=search_warrant&case_number=CR-DRAFT-1")).pk,
    )


def build() -> MatrixData:
    from requests_app.audit import sequence_pending
    from requests_app.cybertipline import services as cybertip
    from requests_app.intake.services import api_token_create
    from tests.factories import grant, report_data
    from transparency import services as transparency
    from transparency.models import Report

    agency_a = AgencyFactory(name="Metropolitan Police", country="GB", email_domains=["met.police.example"])
    agency_b = AgencyFactory(name="Polizei Berlin", country="DE", email_domains=["polizei.berlin.example"])
    officer_a = OfficerFactory(agency=agency_a, full_name="Alice Officer", user__email="alice@met.police.example")
    officer_b = OfficerFactory(agency=agency_b, full_name="Charlie Other", user__email="charlie@polizei.berlin.example")
    pending = OfficerFactory(agency=agency_a, full_name="Pat Pending", user__email="pat@met.police.example")
    reviewer = grant(StaffFactory(full_name="Rita Reviewer", user__email="rita@platform.example"))
    supervisor = StaffFactory(
        full_name="Sam Supervisor", role=Officer.Role.SUPERVISOR, user__email="sam@platform.example"
    )
    supervisor2 = StaffFactory(
        full_name="Sue Supervisor", role=Officer.Role.SUPERVISOR, user__email="sue@platform.example"
    )
    admin = StaffFactory(
        full_name="Ada Admin",
        role=Officer.Role.ADMIN,
        user__email="ada@platform.example",
        user__is_staff=True,
        user__is_superuser=True,
    )

    a = _side(agency_a, officer_a, reviewer)
    b = _side(agency_b, officer_b, reviewer)
    # The admin (a superuser, so a custodian of records) signs both packages' certificates: released.
    from requests_app.production import services as production
    from requests_app.production.models import Production

    for side in (a, b):
        with TestCase.captureOnCommitCallbacks(execute=True):
            production.certificate_sign(production=Production.objects.get(pk=side.production_pk), actor=admin.user)
    # Every officer already has the language the matrix's requests carry (none: English), so a request does
    # not write it (PortalLocaleMiddleware remembers an officer's language when it changes).
    Officer.objects.update(language="en")
    # The pending officer once had a token (issued while active); it must not work now.
    _pending_token, pending_secret = api_token_create(user=pending.user, name="old")
    pending.status = Officer.Status.PENDING
    pending.save()

    # CyberTipline: a draft report with its files (the register is the reviewer's role here).
    report = cybertip.report_create(actor=reviewer.user, data=report_data())

    # Transparency: one published report and one draft of a later period.
    from tests.transparency.helpers import make_request

    make_request(agency=agency_a, country="GB", produced=["subscriber_info"])
    published = transparency.report_publish(
        report=transparency.report_build(period="2025-H1", actor=supervisor.user),
        actor=supervisor2.user,
        change_note="",
        acknowledge_open=True,
    )
    draft = transparency.report_build(period="2025-H2", actor=supervisor.user)
    # Its PDF is rendered on the first download and kept with the frozen report: render it here, once, not in
    # every cell (each cell's savepoint would throw the kept copy away).
    transparency.report_render_pdf(report=published)

    sequence_pending()
    for side in (a, b):
        event = (
            RequestEvent.objects.filter(request=side.request, public=True, seq__isnull=False).order_by("seq").first()
        )
        side.receipt_index = event.seq - 1

    personas: dict[str, Persona] = {"anonymous": Persona("anonymous")}
    for name, officer, token in (
        ("officer_a", officer_a, a.token_secret),
        ("officer_b", officer_b, b.token_secret),
        ("pending", pending, pending_secret),
        ("reviewer", reviewer, None),
        ("supervisor", supervisor, None),
        ("admin", admin, None),
    ):
        client = Client()
        login_verified(client, officer.user)
        personas[name] = Persona(name, _cookies(client), token)
    for name, officer in (("pw_officer", officer_a), ("pw_supervisor", supervisor)):
        client = Client()
        _password_only(client, officer.user)
        personas[name] = Persona(name, _cookies(client))

    # Something behind every admin page that shows one object (else the page only says "no such object").
    from axes.models import AccessAttempt, AccessFailureLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from requests_app.models import Message
    from requests_app.production.models import ProductionDownload

    Message.objects.create(request=a.request, author=officer_a.user, from_agency=True, body="Any news?")
    ProductionDownload.objects.create(production_id=a.production_pk, user=officer_a.user, ip_address="192.0.2.1")
    from requests_app.production.models import UserNotice

    if not UserNotice.objects.exists():
        target = a.request.targets.exclude(notice__isnull=False).first()
        UserNotice.objects.create(request=a.request, target=target, status=UserNotice.Status.WAITING_DECISION)
    AccessAttempt.objects.create(username="x@example.org", ip_address="192.0.2.9", failures_since_start=1)
    AccessFailureLog.objects.create(username="x@example.org", ip_address="192.0.2.9")
    every = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="matrix", task="requests_app.tasks.deadlines_sweep_task", interval=every)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    CrontabSchedule.objects.create(minute="5")
    SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1)

    from requests_app.review.models import SavedView

    saved_view = SavedView.objects.create(owner=reviewer.user, name="Mine", query="status=submitted")
    group = Group.objects.create(name="operators")
    group.permissions.add(Permission.objects.get(codename="view_agency"))
    email = EmailAddress.objects.get(user=officer_a.user)

    data = MatrixData(
        a=a,
        b=b,
        personas=personas,
        ct_reference=report.reference,
        ct_file_pk=report.files.first().pk,
        report_period=published.period,
        report_version=published.version,
        draft_pk=draft.pk,
        group_pk=group.pk,
        saved_view_pk=saved_view.pk,
        confirm_key=EmailConfirmationHMAC(email).key,
        reset_uidb36=user_pk_to_url_str(officer_a.user),
        reset_key=default_token_generator.make_token(officer_a.user),
        content_type_id=ContentType.objects.get_for_model(LegalRequest).pk,
    )
    from django.contrib import admin as django_admin

    for model in django_admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        data.admin_objects[f"{model._meta.app_label}_{model._meta.model_name}"] = str(obj.pk) if obj else "999999"
    assert Report.objects.filter(pk=draft.pk).exists()
    assert a.request.status in {Status.PARTIALLY_APPROVED, Status.APPROVED, Status.PRODUCING, Status.DELIVERED}, (
        a.request.status
    )
    return data
