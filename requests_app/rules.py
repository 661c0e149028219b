"""The legal rules: what each kind of legal process may compel, who may issue it,
how fast it must be answered, and how targets are checked.

Pure Python (no Django import) so it can be read, reviewed and tested as a table
by lawyers and engineers alike. Everything here is data plus small functions
that return findings; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import phonenumbers

# --------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # needs the officer's acknowledgement
    INFO = "info"  # for information only


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity.value, "field": self.field, "message": self.message}


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


# --------------------------------------------------------------------------------
# The data category catalogue
# --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataCategory:
    code: str
    label: str
    content: bool  # content of communications (needs the strongest process)
    e2ee: bool  # end-to-end encrypted: the platform cannot read it, ever
    description: str
    # EU e-Evidence Regulation 2023/1543 Art. 3(9)-(12) class of the data.
    eu_class: str


CATEGORIES: dict[str, DataCategory] = {
    c.code: c
    for c in [
        DataCategory(
            "subscriber_info",
            "Subscriber information",
            content=False,
            e2ee=False,
            description="Phone number, sign-up date, display names and username.",
            eu_class="subscriber",
        ),
        DataCategory(
            "ip_logs",
            "IP addresses and connection logs",
            content=False,
            e2ee=False,
            description="IP addresses and times of connections to the service.",
            eu_class="identification",
        ),
        DataCategory(
            "contacts",
            "Contacts",
            content=False,
            e2ee=False,
            description="Contacts the account uploaded or added.",
            eu_class="traffic",
        ),
        DataCategory(
            "cloud_chat_content",
            "Cloud chat content",
            content=True,
            e2ee=False,
            description="Messages in cloud (non-secret) one-to-one chats, stored on the platform's servers.",
            eu_class="content",
        ),
        DataCategory(
            "group_channel_content",
            "Group and channel content and membership",
            content=True,
            e2ee=False,
            description="Posts in groups and channels and the account's memberships.",
            eu_class="content",
        ),
        DataCategory(
            "media",
            "Media",
            content=True,
            e2ee=False,
            description="Photos, videos and files sent in cloud chats, groups and channels.",
            eu_class="content",
        ),
        DataCategory(
            "secret_chat_content",
            "Secret chat content",
            content=True,
            e2ee=True,
            description="Secret chats are end-to-end encrypted: only the two devices hold the keys.",
            eu_class="content",
        ),
        DataCategory(
            "call_content",
            "Call content",
            content=True,
            e2ee=True,
            description="Voice and video calls are end-to-end encrypted and never recorded.",
            eu_class="content",
        ),
    ]
}

E2EE_EXPLANATION = (
    "Secret chats and calls are end-to-end encrypted: the platform never has the keys, "
    "so their content cannot be produced under any legal process."
)

PRODUCIBLE_CATEGORIES = tuple(code for code, c in CATEGORIES.items() if not c.e2ee)
NON_CONTENT = frozenset(code for code, c in CATEGORIES.items() if not c.content)
CONTENT = frozenset(code for code, c in CATEGORIES.items() if c.content and not c.e2ee)

# --------------------------------------------------------------------------------
# Legal frameworks, authorities and request types
# --------------------------------------------------------------------------------

FRAMEWORKS: dict[str, str] = {
    "us_sca": "United States: Stored Communications Act and related statutes",
    "eu_eevidence": "European Union: e-Evidence Regulation (EU) 2023/1543",
    "eu_dsa": "European Union: Digital Services Act (EU) 2022/2065",
    "mlat": "Mutual legal assistance treaty",
    "cloud_act": "CLOUD Act executive agreement (18 U.S.C. 2523)",
    "national": "Other national law",
}

AUTHORITY_KINDS: dict[str, str] = {
    "judge": "Judge",
    "court": "Court",
    "prosecutor": "Prosecutor",
    "police": "Police",
    "national_security": "National-security agency",
    "other": "Other authority",
}
JUDICIAL = frozenset({"judge", "court"})


@dataclass(frozen=True)
class RequestType:
    code: str
    label: str
    frameworks: tuple[str, ...]  # where this process exists
    compels: frozenset[str]  # categories it can reach
    preservation: bool = False  # keeps data, discloses nothing
    national_security: bool = False  # published only in bands
    due: timedelta | None = None  # statutory answer time; None = configurable default
    emergency_due: timedelta | None = None
    hold: timedelta | None = None  # preservation period
    hold_extension: timedelta | None = None
    note: str = ""


ALL_PRODUCIBLE = frozenset(PRODUCIBLE_CATEGORIES)

REQUEST_TYPES: dict[str, RequestType] = {
    t.code: t
    for t in [
        # 18 U.S.C. 2703(c)(2): a subpoena reaches name, address, session times and
        # durations, temporarily assigned network addresses, length of service, means of payment.
        RequestType(
            "subpoena",
            "Subpoena",
            ("us_sca",),
            frozenset({"subscriber_info", "ip_logs"}),
        ),
        # 18 U.S.C. 2703(d): a court order on specific and articulable facts reaches all
        # non-content records.
        RequestType("court_order_2703d", "Court order (18 U.S.C. 2703(d))", ("us_sca",), NON_CONTENT),
        # 18 U.S.C. 2703(a)-(b): a warrant on probable cause reaches stored content too.
        RequestType("search_warrant", "Search warrant", ("us_sca", "national"), ALL_PRODUCIBLE),
        # A court order under other national law: non-content; content needs a warrant-level order.
        RequestType(
            "court_order_other",
            "Other court order",
            ("national", "us_sca", "mlat"),
            NON_CONTENT,
            note="Content needs a search warrant or an order of equivalent standing.",
        ),
        # 18 U.S.C. 3121-3127: prospective dialing, routing, addressing and signalling data only.
        RequestType("pen_register", "Pen register / trap and trace order", ("us_sca",), frozenset({"ip_logs"})),
        # 18 U.S.C. 2518: interception order; reaches content going forward.
        RequestType("wiretap", "Wiretap order", ("us_sca", "national"), ALL_PRODUCIBLE),
        # 18 U.S.C. 2702(b)(8) and (c)(4): voluntary disclosure when there is a good-faith
        # belief of an emergency involving danger of death or serious physical injury.
        RequestType("emergency", "Emergency disclosure request", tuple(FRAMEWORKS), ALL_PRODUCIBLE),
        # 18 U.S.C. 2703(f)(2): preserve for 90 days, extendable once by 90 days.
        RequestType(
            "preservation",
            "Preservation request",
            ("us_sca", "national", "mlat", "cloud_act"),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=90),
            hold_extension=timedelta(days=90),
        ),
        RequestType(
            "preservation_extension",
            "Preservation extension",
            ("us_sca", "national", "mlat", "cloud_act"),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=90),
        ),
        # 18 U.S.C. 2709; after the 2008 OLC opinion, only name, address and length of service.
        RequestType(
            "nsl",
            "National security letter",
            ("us_sca",),
            frozenset({"subscriber_info"}),
            national_security=True,
            note="Limited to name, address and length of service (18 U.S.C. 2709).",
        ),
        RequestType("mlat", "Mutual legal assistance request", ("mlat",), ALL_PRODUCIBLE),
        # 18 U.S.C. 2523 agreements (e.g. UK-US Data Access Agreement): orders under the
        # requesting state's law, covered by the agreement.
        RequestType("cloud_act", "CLOUD Act agreement order", ("cloud_act",), ALL_PRODUCIBLE),
        # Reg. 2023/1543 Art. 10(2): 10 days; Art. 10(4): 8 hours in an emergency.
        RequestType(
            "epoc",
            "European Production Order",
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            due=timedelta(days=10),
            emergency_due=timedelta(hours=8),
        ),
        # Reg. 2023/1543 Art. 11(1): preserve 60 days, extendable by 30 days.
        RequestType(
            "epoc_pr",
            "European Preservation Order",
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=60),
            hold_extension=timedelta(days=30),
        ),
        # Reg. 2022/2065 Art. 10: order to provide specific information about individual recipients.
        RequestType(
            "dsa_art10",
            "DSA order to provide information (Art. 10)",
            ("eu_dsa",),
            frozenset({"subscriber_info"}),
        ),
    ]
}

PRESERVATION_TYPES = frozenset(code for code, t in REQUEST_TYPES.items() if t.preservation)
NATIONAL_SECURITY_TYPES = frozenset(code for code, t in REQUEST_TYPES.items() if t.national_security)

# --------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------

TARGET_TYPES: dict[str, str] = {
    "phone": "Phone number",
    "username": "Username",
    "user_id": "Numeric user ID",
    "link": "t.me link to a user, channel or group",
}

# The platform's username syntax: 5-32 characters, letters, digits and underscores.
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{5,32}$")
_LINK_RE = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?P<path>[^?#\s]+)/?$", re.I)
_INVITE_RE = re.compile(r"^(?:\+|joinchat/)(?P<hash>[A-Za-z0-9_-]{8,64})$")
_USER_ID_MAX = 2**63 - 1


class TargetError(ValueError):
    """A target identifier that cannot be understood; the message is for the officer."""


@dataclass(frozen=True)
class NormalisedTarget:
    identifier_type: str  # what the officer entered
    kind: str  # what it resolves to: phone, username, user_id, invite
    value: str  # canonical form

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)


def normalise_username(raw: str) -> str:
    name = raw.strip().removeprefix("@")
    if not _USERNAME_RE.match(name):
        raise TargetError(f"“{raw.strip()}” is not a valid username: use 5 to 32 letters, digits or underscores.")
    # Usernames are case-insensitive on the platform.
    return name.lower()


def normalise_target(identifier_type: str, raw: str, default_region: str | None = None) -> NormalisedTarget:
    value = (raw or "").strip()
    if not value:
        raise TargetError("The identifier is empty.")
    if identifier_type == "phone":
        try:
            number = phonenumbers.parse(value, (default_region or "").upper() or None)
        except phonenumbers.NumberParseException as exc:
            raise TargetError(
                f"“{value}” is not a phone number we can read: give it in international form, e.g. +44 20 7946 0018."
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise TargetError(f"“{value}” is not a valid phone number for its country.")
        return NormalisedTarget(
            "phone", "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        )
    if identifier_type == "username":
        return NormalisedTarget("username", "username", normalise_username(value))
    if identifier_type == "user_id":
        if not value.isdigit() or int(value) <= 0 or int(value) > _USER_ID_MAX:
            raise TargetError(f"“{value}” is not a user ID: a user ID is a positive whole number.")
        return NormalisedTarget("user_id", "user_id", str(int(value)))
    if identifier_type == "link":
        match = _LINK_RE.match(value)
        if not match:
            raise TargetError(f"“{value}” is not a t.me link: use the form https://t.me/name.")
        path = match.group("path").strip("/")
        invite = _INVITE_RE.match(path)
        if invite:
            return NormalisedTarget("link", "invite", invite.group("hash"))
        # t.me/name/123 points at a post in a channel: the channel is the target.
        name = path.split("/")[0]
        if name.lower() in {"joinchat", "c", "s", "addstickers", "share"}:
            raise TargetError(f"“{value}” does not name a user, channel or group.")
        return NormalisedTarget("link", "username", normalise_username(name))
    raise TargetError(f"Unknown identifier type “{identifier_type}”: use one of {', '.join(TARGET_TYPES)}.")


# --------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------


def answer_within(request_type: str, *, emergency: bool, default: timedelta, emergency_default: timedelta) -> timedelta:
    """How long the platform has to answer, from receipt."""
    rtype = REQUEST_TYPES[request_type]
    if emergency or request_type == "emergency":
        return rtype.emergency_due or emergency_default
    return rtype.due or default


def due_at(
    request_type: str,
    received_at: datetime,
    *,
    emergency: bool,
    default: timedelta = timedelta(days=14),
    emergency_default: timedelta = timedelta(hours=8),
) -> datetime:
    return received_at + answer_within(
        request_type, emergency=emergency, default=default, emergency_default=emergency_default
    )


def hold_until(request_type: str, start: date) -> date | None:
    """End of a preservation hold started on `start` (18 U.S.C. 2703(f); Reg. 2023/1543 Art. 11)."""
    period = REQUEST_TYPES[request_type].hold
    return start + period if period else None


def hold_extension(original_type: str) -> timedelta | None:
    return REQUEST_TYPES[original_type].hold_extension


# Reg. 2023/1543 Art. 4(5): an emergency EPOC issued without prior judicial validation
# must be validated ex post within 48 hours.
EPOC_EMERGENCY_VALIDATION = timedelta(hours=48)

# --------------------------------------------------------------------------------
# Validation of a draft request
# --------------------------------------------------------------------------------

_DANGER_WORDS = re.compile(
    r"\b(death|die|dying|kill|killing|murder|suicid\w*|injur\w*|harm|kidnap\w*|abduct\w*|hostage|"
    r"bomb\w*|explosi\w*|shoot\w*|attack\w*|threat\w*|abuse\w*|missing|danger\w*|weapon\w*|overdose)\b",
    re.I,
)
MIN_JUSTIFICATION_CHARS = 40
CONTENT_RANGE_WARN_DAYS = 366


@dataclass
class Draft:
    """A request as the officer filled it in, before anything is saved."""

    request_type: str
    legal_framework: str = ""
    authority_kind: str = ""
    data_categories: Sequence[str] = ()
    targets: Sequence[tuple[str, str]] = ()  # (identifier type, raw value)
    date_from: date | None = None
    date_to: date | None = None
    emergency: bool = False
    emergency_justification: str = ""
    emergency_attested: bool = False
    judicial_validation: bool = False  # EPOC validated by a judge (Art. 4(2))
    has_document: bool = False
    ndo: bool = False
    ndo_until: date | None = None
    ndo_indefinite: bool = False
    country: str = ""
    today: date = field(default_factory=date.today)


def validate(draft: Draft) -> list[Finding]:
    """Every finding for a draft, errors first."""
    findings: list[Finding] = []
    add = findings.append
    rtype = REQUEST_TYPES.get(draft.request_type)
    if rtype is None:
        add(_err("unknown_request_type", "request_type", f"“{draft.request_type}” is not a request type we accept."))
        return findings

    emergency = draft.emergency or draft.request_type == "emergency"

    # Framework: the process must exist in the legal framework named.
    if draft.legal_framework and draft.legal_framework not in FRAMEWORKS:
        add(
            _err("unknown_framework", "legal_framework", f"“{draft.legal_framework}” is not a legal framework we know.")
        )
    elif draft.legal_framework and draft.legal_framework not in rtype.frameworks:
        add(
            _err(
                "framework_mismatch",
                "legal_framework",
                f"A {rtype.label.lower()} is not legal process under "
                f"{FRAMEWORKS[draft.legal_framework]}; choose the framework it was issued under.",
            )
        )
    if draft.authority_kind and draft.authority_kind not in AUTHORITY_KINDS:
        add(
            _err(
                "unknown_authority_kind",
                "authority_kind",
                f"“{draft.authority_kind}” is not an authority kind we know.",
            )
        )

    findings.extend(_check_categories(draft, rtype))
    findings.extend(_check_authority(draft, rtype, emergency))
    findings.extend(_check_targets(draft))
    findings.extend(_check_dates(draft, rtype))
    findings.extend(_check_emergency(draft, emergency))

    # A request needs its legal process attached; an emergency request may send it later
    # (18 U.S.C. 2702(b)(8) needs none; Reg. 2023/1543 Art. 4(5) validation follows).
    if not draft.has_document:
        if emergency:
            add(
                _info(
                    "document_later",
                    "documents",
                    "Send the legal process as soon as you have it; we act on the emergency first.",
                )
            )
        else:
            add(
                _err(
                    "document_missing",
                    "documents",
                    "Attach the legal process (the signed order, warrant or subpoena) as a PDF.",
                )
            )

    if draft.ndo:
        if draft.ndo_indefinite and draft.ndo_until:
            add(
                _err(
                    "ndo_conflict",
                    "ndo_until",
                    "A nondisclosure order is either indefinite or has an end date, not both.",
                )
            )
        elif not draft.ndo_indefinite and not draft.ndo_until:
            add(
                _err(
                    "ndo_end_missing", "ndo_until", "Give the date the nondisclosure order ends, or mark it indefinite."
                )
            )
        elif draft.ndo_until and draft.ndo_until <= draft.today:
            add(
                _err(
                    "ndo_end_past",
                    "ndo_until",
                    "The nondisclosure order's end date has passed; the user may be notified.",
                )
            )
        if draft.ndo_indefinite:
            add(
                _warn(
                    "ndo_indefinite",
                    "ndo_until",
                    "An indefinite nondisclosure order will be reviewed; courts increasingly require an end date.",
                )
            )

    if rtype.note:
        add(_info("process_note", "request_type", rtype.note))
    if rtype.national_security:
        add(
            _info(
                "national_security_bands",
                "request_type",
                "National-security requests are reported publicly only in bands of 500.",
            )
        )

    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    findings.sort(key=lambda f: order[f.severity])
    return findings


def _check_categories(draft: Draft, rtype: RequestType) -> list[Finding]:
    out: list[Finding] = []
    if not draft.data_categories:
        out.append(_err("no_categories", "data_categories", "Choose at least one kind of data."))
        return out
    for code in draft.data_categories:
        cat = CATEGORIES.get(code)
        if cat is None:
            out.append(
                _err("unknown_category", "data_categories", f"“{code}” is not a kind of data the platform holds.")
            )
        elif cat.e2ee:
            out.append(_err("e2ee_category", "data_categories", f"{cat.label}: {E2EE_EXPLANATION}"))
        elif code not in rtype.compels:
            out.append(
                _err(
                    "category_not_compellable",
                    "data_categories",
                    f"A {rtype.label.lower()} cannot compel {cat.label.lower()}. {_stronger_process(code)}",
                )
            )
    return out


def _stronger_process(category: str) -> str:
    cat = CATEGORIES[category]
    if cat.content:
        return "Content needs a search warrant (18 U.S.C. 2703(a)-(b)) or an order of equivalent standing."
    return "Non-content records need a 2703(d) court order or a search warrant."


def _check_authority(draft: Draft, rtype: RequestType, emergency: bool) -> list[Finding]:
    out: list[Finding] = []
    kind = draft.authority_kind
    if rtype.code in {"epoc", "epoc_pr"} and kind:
        if kind not in JUDICIAL | {"prosecutor"} and not draft.judicial_validation:
            # Reg. 2023/1543 Art. 4(1)-(3): issued by a judge, court, investigating judge or
            # prosecutor, or by another competent authority and then validated by one.
            out.append(
                _err(
                    "authority_not_competent",
                    "authority_kind",
                    "A European order must be issued, or validated, by a judge, a court or a prosecutor.",
                )
            )
        if rtype.code == "epoc":
            wants_judge = any(
                CATEGORIES[c].eu_class in {"traffic", "content"} for c in draft.data_categories if c in CATEGORIES
            )
            if wants_judge and kind not in JUDICIAL and not draft.judicial_validation:
                if emergency:
                    # Reg. 2023/1543 Art. 4(5): emergency orders may be validated ex post within 48 hours.
                    out.append(
                        _warn(
                            "epoc_emergency_validation",
                            "authority_kind",
                            "Traffic or content data need a judge's validation; in an emergency, "
                            "send it within 48 hours or the data will not be produced.",
                        )
                    )
                else:
                    # Reg. 2023/1543 Art. 4(2): traffic and content data only by a judge or court,
                    # or validated by one.
                    out.append(
                        _err(
                            "epoc_needs_judge",
                            "authority_kind",
                            "Traffic or content data need an order issued or validated by a judge or court "
                            "(Regulation 2023/1543, Art. 4(2)).",
                        )
                    )
    if rtype.code == "nsl" and kind and kind != "national_security":
        # 18 U.S.C. 2709(b): only the FBI, at a senior level, may issue an NSL.
        out.append(_err("nsl_issuer", "authority_kind", "Only the FBI may issue a national security letter."))
    if rtype.code in {"search_warrant", "wiretap", "court_order_2703d", "court_order_other", "pen_register"} and kind:
        if kind not in JUDICIAL:
            out.append(
                _err(
                    "needs_court",
                    "authority_kind",
                    f"A {rtype.label.lower()} must be issued by a judge or court, not by a {AUTHORITY_KINDS[kind].lower()}.",
                )
            )
    return out


def _check_targets(draft: Draft) -> list[Finding]:
    out: list[Finding] = []
    if not draft.targets:
        out.append(
            _err("no_targets", "targets", "Name at least one account: a phone number, username, user ID or t.me link.")
        )
        return out
    seen: dict[tuple[str, str], int] = {}
    valid = 0
    for index, (id_type, raw) in enumerate(draft.targets):
        where = f"targets.{index}"
        try:
            target = normalise_target(id_type, raw, draft.country or None)
        except TargetError as exc:
            out.append(_err("target_invalid", where, str(exc)))
            continue
        valid += 1
        if target.key in seen:
            out.append(
                _err(
                    "target_duplicate",
                    where,
                    f"“{raw.strip()}” names the same account as target {seen[target.key] + 1}; remove one.",
                )
            )
        else:
            seen[target.key] = index
    if valid == 0 and not any(f.code == "target_invalid" for f in out):
        out.append(_err("no_targets", "targets", "Name at least one valid account."))
    return out


def _check_dates(draft: Draft, rtype: RequestType) -> list[Finding]:
    out: list[Finding] = []
    start, end = draft.date_from, draft.date_to
    if start and end and start > end:
        out.append(_err("date_range_reversed", "date_from", "The start date is after the end date."))
    for name, value in (("date_from", start), ("date_to", end)):
        if value and value > draft.today:
            out.append(
                _err(
                    "date_range_future",
                    name,
                    "Dates in the future cannot be produced from stored data; use a wiretap or "
                    "pen register order for data yet to come.",
                )
                if rtype.code not in {"wiretap", "pen_register"}
                else _info("prospective", name, "This order covers data going forward.")
            )
    wants_content = any(c in CONTENT for c in draft.data_categories)
    if wants_content and not rtype.preservation:
        if not (start and end):
            out.append(
                _warn(
                    "date_range_missing",
                    "date_from",
                    "Content requests without a date range are often overbroad; give the period the order covers.",
                )
            )
        elif (end - start).days > CONTENT_RANGE_WARN_DAYS:
            out.append(
                _warn(
                    "date_range_long",
                    "date_from",
                    "The date range is over a year; check that the order authorises the whole period.",
                )
            )
    return out


def _check_emergency(draft: Draft, emergency: bool) -> list[Finding]:
    out: list[Finding] = []
    if not emergency:
        return out
    text = draft.emergency_justification.strip()
    # 18 U.S.C. 2702(b)(8): a good-faith belief that an emergency involving danger of
    # death or serious physical injury requires disclosure without delay.
    if len(text) < MIN_JUSTIFICATION_CHARS:
        out.append(
            _err(
                "emergency_justification_missing",
                "emergency_justification",
                "Describe the emergency: who is in danger of death or serious physical injury, and why it is imminent.",
            )
        )
    elif not _DANGER_WORDS.search(text):
        out.append(
            _warn(
                "emergency_justification_weak",
                "emergency_justification",
                "The justification does not say what danger of death or serious physical injury is imminent; "
                "emergency requests without one are handled as ordinary requests.",
            )
        )
    if not draft.emergency_attested:
        out.append(
            _err(
                "emergency_not_attested",
                "emergency_attested",
                "Confirm that the facts are true to the best of your knowledge (the sworn attestation).",
            )
        )
    return out


def _err(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.ERROR, fld, msg)


def _warn(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.WARNING, fld, msg)


def _info(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.INFO, fld, msg)


def choices(mapping: dict[str, object]) -> list[tuple[str, str]]:
    """(code, label) pairs for forms and model fields."""
    out = []
    for code, value in mapping.items():
        label = getattr(value, "label", value)
        out.append((code, str(label)))
    return out
