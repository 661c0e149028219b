"""The certificate of authenticity that travels inside every package.

Its form follows the request's legal system (rules.certificate_form): a U.S.
declaration under FRE 902(11) (business records, FRE 803(6)), 902(13)
(machine-generated records such as IP logs) and 902(14) (the SHA-256 manifest),
with 28 U.S.C. 1746(1) wording when the declarant signs outside the U.S.; an EU
statement giving each item's data category (Reg. 2023/1543 Art. 5(5)(d)); or a
plain custodian statement for other systems. One builder per form, in BUILDERS:
to add a form (or something every form carries, such as a receipt), add or
extend a builder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from requests_app import rules

# FRE 902(13): what the platform's logging system is, for machine-generated records.
LOGGING_SYSTEM = (
    "the platform's connection servers record the IP address, port and time (UTC, synchronised by NTP) "
    "of every connection automatically when it is made; no person enters or edits these entries."
)
MACHINE_GENERATED = frozenset({"ip_logs"})


def _common(
    *,
    request,
    manifest: dict[str, Any],
    manifest_sha256: str,
    generated_at: datetime,
    receipt: dict[str, Any] | None = None,
    signed_by: str = "",
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "receipt": receipt,  # audit-log receipt of the request's latest step (requests_app.audit)
        "lr": request,
        "manifest": manifest,
        "manifest_sha256": manifest_sha256,
        "generated_at": generated_at,
        "custodian": settings.PRODUCTION_CUSTODIAN,
        "platform": settings.PRODUCTION_PLATFORM_NAME,
        # Empty: a draft (printed as such); a package is released only once a named custodian signed it.
        "signed_by": signed_by,
        "signed_at": signed_at,
    }


def us_fre_902(**kw: Any) -> tuple[str, dict[str, Any]]:
    context = _common(**kw)
    codes = [c["code"] for c in kw["manifest"]["categories"]]
    context["machine_categories"] = [rules.CATEGORIES[c].label for c in codes if c in MACHINE_GENERATED]
    context["logging_system"] = LOGGING_SYSTEM
    # 28 U.S.C. 1746(1): a declaration executed outside the United States says "under the laws of the U.S.A.".
    context["declarant_abroad"] = settings.PRODUCTION_CUSTODIAN_OUTSIDE_US
    return "certificates/us-fre-902.html", context


def eu_eevidence(**kw: Any) -> tuple[str, dict[str, Any]]:
    context = _common(**kw)
    declarations = getattr(kw["request"], "declarations", None) or {}
    identification_only = bool(declarations.get("ip_identification_only"))
    context["eu_categories"] = [
        {
            "label": c["label"],
            "eu_class": rules.EU_CLASS_LABELS[rules.eu_data_class(c["code"], identification_only=identification_only)],
        }
        for c in kw["manifest"]["categories"]
    ]
    context["identification_times"] = declarations.get("ip_identification_times", "") if identification_only else ""
    return "certificates/eu-eevidence.html", context


def custodian(**kw: Any) -> tuple[str, dict[str, Any]]:
    return "certificates/custodian.html", _common(**kw)


BUILDERS: dict[rules.CertificateForm, Callable[..., tuple[str, dict[str, Any]]]] = {
    rules.CertificateForm.US_FRE_902: us_fre_902,
    rules.CertificateForm.EU_EEVIDENCE: eu_eevidence,
    rules.CertificateForm.CUSTODIAN: custodian,
}


def certificate_html(*, request, **certificate: Any) -> str:
    """The certificate of the form the request's framework and country call for, as HTML. The keyword
    arguments are those of `_common` (manifest, manifest_sha256, generated_at, receipt, signed_by, signed_at),
    which checks them."""
    form = rules.certificate_form(request.legal_framework, request.country.code if request.country else "")
    template, context = BUILDERS[form](request=request, **certificate)
    return render_to_string(template, context)


def certificate_pdf(**certificate: Any) -> bytes:
    """The certificate as a PDF: `certificate_html` (same keyword arguments) printed by WeasyPrint."""
    from weasyprint import HTML  # heavy import, only where a certificate is made

    return HTML(string=certificate_html(**certificate)).write_pdf()
