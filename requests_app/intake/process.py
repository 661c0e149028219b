"""What the new-request form shows for each legal process: the sections it needs, and the short guide
the officer reads before starting. The legal rules themselves stay in requests_app.rules; this module
only decides which of the form's questions apply, so a question that cannot matter is never asked.

Sections (data-section in templates/intake/request_form.html, and what they hold):

- eevidence: validation by a judge or court (Reg. 2023/1543 Art. 4), for the European orders;
- epoc: IP logs only to identify the user (Art. 3(10)) and the Art. 8(2) exception, for an EPOC;
- mlat: the DOJ's search warrant (18 U.S.C. 3512), for mutual legal assistance;
- cloud_act: the three attestations of 18 U.S.C. 2523(b)(4), for a CLOUD Act order;
- dsa: the DSA category of illegal content, for EU orders;
- emergency: justification and attestation, when the officer says someone is in danger;
- ndo: the end date, indefinite flag and order, once a nondisclosure order is ticked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from requests_app import rules
from requests_app.services import SubmissionData

SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "eevidence": ("judicial_validation",),
    "epoc": ("ip_identification_only", "ip_identification_times", "epoc_domestic_exception"),
    "mlat": ("doj_warrant",),
    "cloud_act": ("cloud_act_non_us_person", "cloud_act_outside_us", "cloud_act_independent_review"),
    "dsa": ("dsa_category",),
    "emergency": ("emergency_justification", "emergency_attested"),
    "ndo": ("ndo_until", "ndo_indefinite", "ndo_document"),
}

# Sections that follow from the process alone (emergency and ndo follow from the officer's answers).
PROCESS_SECTIONS: dict[str, frozenset[str]] = {
    code: frozenset(
        s
        for s, applies in (
            ("eevidence", code in rules.EU_EEVIDENCE_TYPES),
            ("epoc", code == "epoc"),
            ("mlat", code == "mlat"),
            ("cloud_act", code == "cloud_act"),
            ("dsa", code in rules.EU_EEVIDENCE_TYPES or code == "dsa_art10"),
        )
        if applies
    )
    for code in rules.REQUEST_TYPES
}

# 18 U.S.C. 2702(b)(8): an emergency disclosure request is by definition an emergency, so choosing it
# answers the emergency question; it is the one process without compulsory legal process behind it.
EMERGENCY_TYPE = "emergency"


def is_emergency(request_type: str, emergency: bool) -> bool:
    return emergency or request_type == EMERGENCY_TYPE


def active_sections(request_type: str, *, emergency: bool, ndo: bool) -> frozenset[str]:
    sections = set(PROCESS_SECTIONS.get(request_type, frozenset()))
    if is_emergency(request_type, emergency):
        sections.add("emergency")
    if ndo:
        sections.add("ndo")
    return frozenset(sections)


def inactive_fields(request_type: str, *, emergency: bool, ndo: bool) -> frozenset[str]:
    active = active_sections(request_type, emergency=emergency, ndo=ndo)
    return frozenset(f for s, fields in SECTION_FIELDS.items() if s not in active for f in fields)


def applicable(data: SubmissionData) -> SubmissionData:
    """The submission with the answers of questions that do not apply to its process dropped (a no-JS
    officer who changed the process, a hidden field left ticked): the same inputs reach the rules
    whether the form was filled with the script or without it. The emergency type sets the emergency."""
    emergency = is_emergency(data.request_type, data.emergency)
    inactive = inactive_fields(data.request_type, emergency=emergency, ndo=data.ndo)
    blank: dict[str, object] = {}
    for name in inactive:
        value = getattr(data, name, None)
        if isinstance(value, bool):
            blank[name] = False
        elif isinstance(value, str):
            blank[name] = ""
        elif hasattr(data, name):
            blank[name] = None
    return dataclasses.replace(data, emergency=emergency, **blank)


# ---------------------------------------------------------------------------------
# The guide shown before the officer starts
# ---------------------------------------------------------------------------------

ATTACH: dict[str, object] = {
    "subpoena": _("The signed subpoena, as a PDF."),
    "court_order_2703d": _("The signed court order, as a PDF."),
    "court_order_other": _("The signed court order, as a PDF."),
    "pen_register": _("The signed court order, as a PDF."),
    "wiretap": _("The signed court order, as a PDF."),
    "search_warrant": _("The signed search warrant, as a PDF."),
    "emergency": _(
        "Nothing is needed to start: describe the danger. Send any legal process that follows as soon as you have it."
    ),
    "preservation": _("The signed preservation request on your agency's letterhead, as a PDF."),
    "preservation_extension": _("The signed preservation request on your agency's letterhead, as a PDF."),
    "nsl": _("The national security letter signed by the designated FBI official, as a PDF."),
    "fisa_content": _("The court order or directive, as a PDF."),
    "fisa_non_content": _("The court order or directive, as a PDF."),
    "fisa_702": _("The court order or directive, as a PDF."),
    "mlat": _("The U.S. process the Department of Justice obtained (a search warrant for content), as a PDF."),
    "cloud_act": _("The order under your State's law covered by the agreement, as a PDF."),
    "epoc": _("The EPOC certificate (Annex I) and, where needed, its validation, as a PDF."),
    "epoc_pr": _("The EPOC-PR certificate (Annex II), as a PDF."),
    "epoc_pr_extension": _("The extension form (Annex VI), as a PDF."),
    "epoc_pr_confirmation": _("The confirmation form (Annex V), as a PDF."),
    "dsa_art10": _("The order, naming the national or Union law it is issued under, as a PDF."),
}


@dataclass(frozen=True)
class Guide:
    code: str
    label: str
    compels: list[str]  # labels of the data categories it can reach here
    preservation: bool  # keeps data, discloses nothing
    attach: str
    note: str


def guide(code: str) -> Guide:
    rtype = rules.REQUEST_TYPES[code]
    return Guide(
        code=code,
        label=rtype.label,
        compels=[c.label for k, c in rules.CATEGORIES.items() if k in rtype.compels],
        preservation=rtype.preservation,
        attach=str(ATTACH.get(code, "")),
        note=rtype.note,
    )


def guides() -> list[Guide]:
    return [guide(code) for code in rules.REQUEST_TYPES]


def client_map() -> dict[str, object]:
    """What intake.js needs to switch sections instantly (rendered with json_script)."""
    return {
        "sections": {code: sorted(s) for code, s in PROCESS_SECTIONS.items()},
        "frameworks": {code: list(t.frameworks) for code, t in rules.REQUEST_TYPES.items()},
        "framework_labels": {code: rules.translate(label) for code, label in rules.FRAMEWORKS.items()},
        "emergency_type": EMERGENCY_TYPE,
    }
