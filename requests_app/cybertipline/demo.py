"""Demo data for the register: a few reports built through the real services, with generated
placeholder files (flat grey squares: never real material), and a follow-up request citing one.

Run by `make run` / `seed_demo` through requests_app.demo.EXTENSIONS. NCMEC_API_URL is unset in the
demo, so "submitting" goes through the demo transport, which records what would be sent.
"""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from requests_app.cybertipline import services
from requests_app.cybertipline.client import is_demo
from requests_app.cybertipline.models import CyberTipReport
from requests_app.documents import DocumentInput
from requests_app.models import Officer
from requests_app.pdf_support import minimal_pdf
from requests_app.services import SubmissionData, request_submit

HOLDERS = ["rita@platform.example", "sam@platform.example"]


def placeholder_png(shade: int, size: int = 16) -> bytes:
    """A flat grey square, generated here. Demo and tests never hold real material."""
    raw = b"".join(b"\x00" + bytes([shade, shade, shade]) * size for _ in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def seed(*, stdout=None) -> None:
    if CyberTipReport.objects.exists() or not is_demo():
        return  # never send demo reports anywhere real
    User = get_user_model()
    perm = Permission.objects.get(codename="access_register", content_type__app_label="cybertipline")
    holders = list(User.objects.filter(email__in=HOLDERS))
    for u in holders:
        u.user_permissions.add(perm)
    if not holders:
        return
    rita = User.objects.get(pk=holders[0].pk)  # fresh: no stale permission cache
    now = timezone.now()

    def account(n: int) -> services.AccountInput:
        return services.AccountInput(
            user_id=f"70000{n}",
            username=f"@demo_account_{n}",
            phone=f"+1202555{n:04d}",
            signup_ip=f"203.0.113.{n}",
            upload_ip=f"198.51.100.{n}",
            upload_port=40000 + n,
            upload_at=now - timedelta(hours=30 + n),
        )

    with transaction.atomic():
        sent = services.report_create(
            actor=rita,
            data=services.ReportData(
                incident_type="child_pornography",
                knowledge_at=now - timedelta(hours=20),
                detection_source="hash_match",
                hash_list="Industry hash-sharing list (demo)",
                summary="Demo: two placeholder images matched the hash list in a group.",
                accounts=[account(1)],
                files=[
                    services.FileInput("placeholder-1.png", placeholder_png(90), "group", "pdq:demo0001"),
                    services.FileInput("placeholder-2.png", placeholder_png(150), "group", "pdq:demo0002"),
                ],
                eu_nexus=True,
                eu_legal_basis="reg_2021_1232_art3",
            ),
        )
        services.report_review(
            report=sent, actor=rita, note="Demo review", viewed_file_ids=[f.pk for f in sent.files.all()]
        )
        services.report_submit(report=sent, actor=rita)
    # The queued task does this on commit; calling it here too is harmless (it is idempotent) and
    # makes the demo the same whether or not on-commit callbacks run (tests wrap it in a transaction).
    services.report_send(report_id=sent.pk)

    waiting = services.report_create(
        actor=rita,
        data=services.ReportData(
            incident_type="online_enticement",
            knowledge_at=now - timedelta(hours=10),
            detection_source="user_report",
            summary="Demo: a user reported an adult asking a child to meet.",
            accounts=[account(2)],
            files=[services.FileInput("placeholder-3.png", placeholder_png(200), "private_chat")],
        ),
    )
    services.report_review(report=waiting, actor=rita, note="Demo: ready to send")
    services.report_create(
        actor=rita,
        data=services.ReportData(
            incident_type="child_pornography",
            knowledge_at=now - timedelta(hours=30),  # past the 24-hour internal maximum
            detection_source="classifier",
            summary="Demo: the classifier flagged a placeholder image; not reviewed yet.",
            accounts=[account(3)],
            files=[services.FileInput("placeholder-4.png", placeholder_png(60), "channel", publicly_available=True)],
        ),
    )

    sent.refresh_from_db()
    fbi = Officer.objects.filter(user__email="fiona@fbi.example").select_related("user").first()
    if fbi is not None and sent.ncmec_report_id:
        request_submit(
            actor=fbi.user,
            data=SubmissionData(
                request_type="search_warrant",
                legal_framework="us_sca",
                country="US",
                authority_kind="judge",
                issuing_authority="U.S. District Court (demo)",
                case_number=f"CyberTipline report {sent.ncmec_report_id}",
                data_categories=["subscriber_info", "ip_logs", "cloud_chat_content"],
                targets=[("user_id", "700001")],
                date_from=(now - timedelta(days=60)).date(),
                date_to=now.date(),
            ),
            documents=[DocumentInput("warrant.pdf", minimal_pdf("Demo search warrant"))],
            acknowledge_warnings=True,
        )
    if stdout is not None:
        stdout.write("CyberTipline demo: 3 reports (one sent through the demo transport) and a follow-up request.\n")
