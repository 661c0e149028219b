"""The register's e-mails, to the staff who hold the CyberTipline role. They carry the register's
reference and the due time only: never an account, a file or a hash."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from requests_app.cybertipline.access import PERMISSION
from requests_app.cybertipline.models import CyberTipReport
from requests_app.emails import send_templated
from requests_app.models import Officer


def _holders(*, supervisors_only: bool = False) -> list[str]:
    app, codename = PERMISSION.split(".")
    perm = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app) | Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app
    )
    users = get_user_model().objects.filter(perm, is_active=True, officer__status=Officer.Status.ACTIVE)
    roles = (
        [Officer.Role.SUPERVISOR, Officer.Role.ADMIN]
        if supervisors_only
        else list({Officer.Role.REVIEWER, Officer.Role.SUPERVISOR, Officer.Role.ADMIN})
    )
    return sorted(set(users.filter(officer__role__in=roles).values_list("email", flat=True)))


def _send(name: str, report_id: int, *, supervisors_only: bool = False) -> None:
    report = CyberTipReport.objects.get(pk=report_id)
    send_templated(name, _holders(supervisors_only=supervisors_only), {"report": report})


def deadline_reminder_mail(*, report_id: int) -> None:
    _send("cybertipline-reminder", report_id)


def deadline_escalation_mail(*, report_id: int) -> None:
    _send("cybertipline-escalation", report_id, supervisors_only=True)


def submission_refused_mail(*, report_id: int) -> None:
    _send("cybertipline-refused", report_id)
