"""The certificate of authenticity that travels inside every package.

A custodian's declaration in the style of U.S. Federal Rule of Evidence 902(11)
(certified domestic records of a regularly conducted activity, see FRE 803(6)),
naming the request and the SHA-256 of the package's manifest so the records
can be checked against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def certificate_pdf(
    *,
    request,
    manifest: dict[str, Any],
    manifest_sha256: str,
    generated_at: datetime,
    receipt: dict[str, Any] | None = None,
) -> bytes:
    from weasyprint import HTML  # heavy import, only where a certificate is made

    html = render_to_string(
        "certificates/production-certificate.html",
        {
            "lr": request,
            "manifest": manifest,
            "manifest_sha256": manifest_sha256,
            "generated_at": generated_at,
            "receipt": receipt,  # audit-log receipt of the request's latest step (requests_app.audit)
            "custodian": getattr(settings, "PRODUCTION_CUSTODIAN", "Custodian of Records, Legal Operations"),
            "platform": getattr(settings, "PRODUCTION_PLATFORM_NAME", "the Platform"),
        },
    )
    return HTML(string=html).write_pdf()
