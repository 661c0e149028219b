"""The legal rules: what each kind of legal process may compel, who may issue it,
how fast it must be answered, and how targets are checked.

Plain Python so it can be read, reviewed and tested as a table by lawyers and
engineers alike. Everything here is data plus small functions that return findings;
nothing here touches the database, and it imports without Django. Its English texts
are marked for the catalogues (gettext_noop, _); when Django runs, labels are translated
where they are shown and findings where they are built, in the language of the request
(the portal's switcher or Accept-Language, also for the API; issue 16).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import cast

import phonenumbers


def gettext_noop(message: str) -> str:
    """Marks an English label for the catalogues (makemessages); translate() shows it."""
    return message


def translate(message: str) -> str:
    """`message` in the active language when Django runs with its catalogues, else as written."""
    translation = sys.modules.get("django.utils.translation")
    conf = sys.modules.get("django.conf")
    if translation is None or conf is None or not conf.settings.configured:
        return message
    return cast(str, translation.gettext(message))


_ = translate  # findings are translated where they are built


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
    label_en: str
    content: bool  # content of communications (needs the strongest process)
    e2ee: bool  # end-to-end encrypted: the platform cannot read it, ever
    description_en: str
    # EU e-Evidence Regulation 2023/1543 Art. 3(9)-(12) class of the data.
    eu_class: str

    @property
    def label(self) -> str:
        return translate(self.label_en)

    @property
    def description(self) -> str:
        return translate(self.description_en)


CATEGORIES: dict[str, DataCategory] = {
    c.code: c
    for c in [
        DataCategory(
            "subscriber_info",
            gettext_noop("Subscriber information"),
            content=False,
            e2ee=False,
            description_en=gettext_noop("Phone number, sign-up date, display names and username."),
            eu_class="subscriber",
        ),
        DataCategory(
            "ip_logs",
            gettext_noop("IP addresses and connection logs"),
            content=False,
            e2ee=False,
            description_en=gettext_noop("IP addresses and times of connections to the service."),
            # Reg. 2023/1543 Art. 3(11): traffic data, unless requested for the sole purpose of
            # identifying the user for a specific time (Art. 3(10)): see eu_data_class().
            eu_class="traffic",
        ),
        DataCategory(
            "contacts",
            gettext_noop("Contacts"),
            content=False,
            e2ee=False,
            description_en=gettext_noop("Contacts the account uploaded or added."),
            # Reg. 2023/1543 Art. 3(12): data the user supplied (an address book) is content data.
            eu_class="content",
        ),
        DataCategory(
            "cloud_chat_content",
            gettext_noop("Cloud chat content"),
            content=True,
            e2ee=False,
            description_en=gettext_noop(
                "Messages in cloud (non-secret) one-to-one chats, stored on the platform's servers."
            ),
            eu_class="content",
        ),
        DataCategory(
            "group_channel_content",
            gettext_noop("Group and channel content and membership"),
            content=True,
            e2ee=False,
            description_en=gettext_noop("Posts in groups and channels and the account's memberships."),
            eu_class="content",
        ),
        DataCategory(
            "media",
            gettext_noop("Media"),
            content=True,
            e2ee=False,
            description_en=gettext_noop("Photos, videos and files sent in cloud chats, groups and channels."),
            eu_class="content",
        ),
        DataCategory(
            "secret_chat_content",
            gettext_noop("Secret chat content"),
            content=True,
            e2ee=True,
            description_en=gettext_noop("Secret chats are end-to-end encrypted: only the two devices hold the keys."),
            eu_class="content",
        ),
        DataCategory(
            "call_content",
            gettext_noop("Call content"),
            content=True,
            e2ee=True,
            description_en=gettext_noop("Voice and video calls are end-to-end encrypted and never recorded."),
            eu_class="content",
        ),
    ]
}

E2EE_EXPLANATION = gettext_noop(
    "Secret chats and calls are end-to-end encrypted: the platform never has the keys, "
    "so their content cannot be produced under any legal process."
)

EU_CLASS_LABELS = {
    "subscriber": gettext_noop("subscriber data (Reg. 2023/1543 Art. 3(9))"),
    "identification": gettext_noop("data requested for the sole purpose of identifying the user (Art. 3(10))"),
    "traffic": gettext_noop("traffic data (Art. 3(11))"),
    "content": gettext_noop("content data (Art. 3(12))"),
}
# Categories that are identification data when, and only when, the officer declares they are
# requested for the sole purpose of identifying the user at given times (Art. 3(10)).
IDENTIFICATION_CAPABLE = frozenset({"ip_logs"})


def eu_data_class(category: str, *, identification_only: bool = False) -> str:
    """The e-Evidence class of a category as requested (Reg. 2023/1543 Art. 3(9)-(12))."""
    if category in IDENTIFICATION_CAPABLE and identification_only:
        return "identification"
    return CATEGORIES[category].eu_class


PRODUCIBLE_CATEGORIES = tuple(code for code, c in CATEGORIES.items() if not c.e2ee)
NON_CONTENT = frozenset(code for code, c in CATEGORIES.items() if not c.content)
CONTENT = frozenset(code for code, c in CATEGORIES.items() if c.content and not c.e2ee)

# --------------------------------------------------------------------------------
# Legal frameworks, authorities and request types
# --------------------------------------------------------------------------------

FRAMEWORKS: dict[str, str] = {
    "us_sca": gettext_noop("United States: Stored Communications Act and related statutes"),
    "eu_eevidence": gettext_noop("European Union: e-Evidence Regulation (EU) 2023/1543"),
    "eu_dsa": gettext_noop("European Union: Digital Services Act (EU) 2022/2065"),
    "mlat": gettext_noop("Mutual legal assistance treaty"),
    "cloud_act": gettext_noop("CLOUD Act executive agreement (18 U.S.C. 2523)"),
    "national": gettext_noop("Other national law"),
}

AUTHORITY_KINDS: dict[str, str] = {
    "judge": gettext_noop("Judge"),
    "court": gettext_noop("Court"),
    "prosecutor": gettext_noop("Prosecutor"),
    "police": gettext_noop("Police"),
    "national_security": gettext_noop("National-security agency"),
    "other": gettext_noop("Other authority"),
}
JUDICIAL = frozenset({"judge", "court"})


@dataclass(frozen=True)
class RequestType:
    code: str
    label_en: str
    frameworks: tuple[str, ...]  # where this process exists
    compels: frozenset[str]  # categories it can reach
    preservation: bool = False  # keeps data, discloses nothing
    national_security: bool = False  # published only in bands
    due: timedelta | None = None  # statutory answer time; None = configurable default
    emergency_due: timedelta | None = None
    hold: timedelta | None = None  # preservation period
    hold_extension: timedelta | None = None
    note_en: str = ""

    @property
    def label(self) -> str:
        return translate(self.label_en)

    @property
    def note(self) -> str:
        return translate(self.note_en) if self.note_en else ""


ALL_PRODUCIBLE = frozenset(PRODUCIBLE_CATEGORIES)

REQUEST_TYPES: dict[str, RequestType] = {
    t.code: t
    for t in [
        # 18 U.S.C. 2703(c)(2): a subpoena reaches name, address, session times and
        # durations, temporarily assigned network addresses, length of service, means of payment.
        RequestType(
            "subpoena",
            gettext_noop("Subpoena"),
            ("us_sca",),
            frozenset({"subscriber_info", "ip_logs"}),
        ),
        # 18 U.S.C. 2703(d): a court order on specific and articulable facts reaches all
        # non-content records.
        RequestType("court_order_2703d", gettext_noop("Court order (18 U.S.C. 2703(d))"), ("us_sca",), NON_CONTENT),
        # 18 U.S.C. 2703(a)-(b): a warrant on probable cause reaches stored content too.
        RequestType("search_warrant", gettext_noop("Search warrant"), ("us_sca", "national"), ALL_PRODUCIBLE),
        # A court order under other national law: non-content; content needs a warrant-level order.
        RequestType(
            "court_order_other",
            gettext_noop("Other court order"),
            ("national", "us_sca", "mlat"),
            NON_CONTENT,
            note_en=gettext_noop("Content needs a search warrant or an order of equivalent standing."),
        ),
        # 18 U.S.C. 3121-3127: prospective dialing, routing, addressing and signalling data only.
        RequestType(
            "pen_register", gettext_noop("Pen register / trap and trace order"), ("us_sca",), frozenset({"ip_logs"})
        ),
        # 18 U.S.C. 2518: interception order; reaches content going forward.
        RequestType("wiretap", gettext_noop("Wiretap order"), ("us_sca", "national"), ALL_PRODUCIBLE),
        # 18 U.S.C. 2702(b)(8) and (c)(4): voluntary disclosure when there is a good-faith
        # belief of an emergency involving danger of death or serious physical injury.
        RequestType("emergency", gettext_noop("Emergency disclosure request"), tuple(FRAMEWORKS), ALL_PRODUCIBLE),
        # 18 U.S.C. 2703(f)(2): preserve for 90 days, extendable once by 90 days.
        RequestType(
            "preservation",
            gettext_noop("Preservation request"),
            ("us_sca", "national", "mlat", "cloud_act"),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=90),
            hold_extension=timedelta(days=90),
        ),
        RequestType(
            "preservation_extension",
            gettext_noop("Preservation extension"),
            ("us_sca", "national", "mlat", "cloud_act"),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=90),
        ),
        # 18 U.S.C. 2709(a)-(b): subscriber information and toll billing records; the 2008 OLC
        # opinion reads (b)(1) as name, address, length of service and toll billing records.
        RequestType(
            "nsl",
            gettext_noop("National security letter"),
            ("us_sca",),
            frozenset({"subscriber_info"}),
            national_security=True,
            note_en=gettext_noop(
                "Limited to name, address, length of service and toll billing records (18 U.S.C. 2709(b))."
            ),
        ),
        # 50 U.S.C. 1805 (electronic surveillance) and 1824 (physical search): FISC orders for content.
        RequestType(
            "fisa_content",
            gettext_noop("FISA order for content (50 U.S.C. 1805, 1824)"),
            ("us_sca",),
            ALL_PRODUCIBLE,
            national_security=True,
        ),
        # 50 U.S.C. 1842 (pen register) and 1861 (business records): FISC orders for non-content.
        RequestType(
            "fisa_non_content",
            gettext_noop("FISA order for non-content (50 U.S.C. 1842, 1861)"),
            ("us_sca",),
            NON_CONTENT,
            national_security=True,
        ),
        # 50 U.S.C. 1881a(i): a directive of the Attorney General and the DNI (Section 702).
        RequestType(
            "fisa_702",
            gettext_noop("FISA Section 702 directive (50 U.S.C. 1881a)"),
            ("us_sca",),
            ALL_PRODUCIBLE,
            national_security=True,
        ),
        # 18 U.S.C. 3512: the Department of Justice obtains U.S. process for the requesting state;
        # content still needs a search warrant (18 U.S.C. 2703(a)-(b)), see _check_mlat.
        RequestType(
            "mlat",
            gettext_noop("Mutual legal assistance request"),
            ("mlat",),
            ALL_PRODUCIBLE,
            note_en=gettext_noop("Reaches the platform as U.S. process obtained by the Department of Justice."),
        ),
        # 18 U.S.C. 2523 agreements (e.g. UK-US Data Access Agreement): orders under the
        # requesting state's law, covered by the agreement.
        RequestType("cloud_act", gettext_noop("CLOUD Act agreement order"), ("cloud_act",), ALL_PRODUCIBLE),
        # Reg. 2023/1543 Art. 10(2): 10 days; Art. 10(4): 8 hours in an emergency.
        RequestType(
            "epoc",
            gettext_noop("European Production Order"),
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            due=timedelta(days=10),
            emergency_due=timedelta(hours=8),
        ),
        # Reg. 2023/1543 Art. 11(1): preserve 60 days, extendable by 30 days.
        RequestType(
            "epoc_pr",
            gettext_noop("European Preservation Order"),
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=60),
            hold_extension=timedelta(days=30),
        ),
        # Reg. 2023/1543 Art. 11(1) and Annex VI: extension of a preservation by 30 days, sent
        # within the first 60 days; issued under the Art. 4(3) authority rule.
        RequestType(
            "epoc_pr_extension",
            gettext_noop("Extension of a European Preservation Order (Annex VI)"),
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
            hold=timedelta(days=30),
        ),
        # Reg. 2023/1543 Art. 11(1) and Annex V: confirmation that a subsequent request for
        # production was issued; the data are kept as long as needed to produce them (no fixed end).
        RequestType(
            "epoc_pr_confirmation",
            gettext_noop("Confirmation of a subsequent production request (Annex V)"),
            ("eu_eevidence",),
            ALL_PRODUCIBLE,
            preservation=True,
            due=timedelta(days=2),
        ),
        # Reg. 2022/2065 Art. 10: the order is issued under national or Union law (Art. 10(1));
        # what it may compel comes from that basis, not from the DSA (recital 31).
        RequestType(
            "dsa_art10",
            gettext_noop("DSA order to provide information (Art. 10)"),
            ("eu_dsa",),
            ALL_PRODUCIBLE,
            note_en=gettext_noop(
                "What the order may reach comes from the national or Union law it cites (DSA recital 31)."
            ),
        ),
    ]
}

PRESERVATION_TYPES = frozenset(code for code, t in REQUEST_TYPES.items() if t.preservation)
NATIONAL_SECURITY_TYPES = frozenset(code for code, t in REQUEST_TYPES.items() if t.national_security)
EU_EEVIDENCE_TYPES = frozenset({"epoc", "epoc_pr", "epoc_pr_extension", "epoc_pr_confirmation"})
# Reg. 2023/1543 Art. 34(2): the Regulation applies from 18 August 2026.
EU_EEVIDENCE_APPLIES_FROM = date(2026, 8, 18)
# 18 U.S.C. 2518 (interception) and 3121-3127 (pen register, trap and trace): prospective only.
PROSPECTIVE_TYPES = frozenset({"wiretap", "pen_register"})
# Process a preservation hold starts from at submission (18 U.S.C. 2703(f); Reg. 2023/1543
# Art. 10(1), 10(9), 11): preservation process and every production order.
PRODUCTION_ORDER_TYPES = frozenset(
    {"search_warrant", "court_order_2703d", "subpoena", "court_order_other", "epoc", "mlat", "cloud_act"}
)

# --------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------

TARGET_TYPES: dict[str, str] = {
    "phone": gettext_noop("Phone number"),
    "username": gettext_noop("Username"),
    "user_id": gettext_noop("Numeric user ID"),
    "link": gettext_noop("t.me link to a user, channel or group"),
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
        raise TargetError(
            _("“%(value)s” is not a valid username: use 5 to 32 letters, digits or underscores.")
            % {"value": raw.strip()}
        )
    # Usernames are case-insensitive on the platform.
    return name.lower()


def normalise_target(identifier_type: str, raw: str, default_region: str | None = None) -> NormalisedTarget:
    value = (raw or "").strip()
    if not value:
        raise TargetError(_("The identifier is empty."))
    if identifier_type == "phone":
        try:
            number = phonenumbers.parse(value, (default_region or "").upper() or None)
        except phonenumbers.NumberParseException as exc:
            raise TargetError(
                _(
                    "“%(value)s” is not a phone number we can read: give it in international form, e.g. +44 20 7946 0018."
                )
                % {"value": value}
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise TargetError(_("“%(value)s” is not a valid phone number for its country.") % {"value": value})
        return NormalisedTarget(
            "phone", "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        )
    if identifier_type == "username":
        return NormalisedTarget("username", "username", normalise_username(value))
    if identifier_type == "user_id":
        if not value.isdigit() or int(value) <= 0 or int(value) > _USER_ID_MAX:
            raise TargetError(
                _("“%(value)s” is not a user ID: a user ID is a positive whole number.") % {"value": value}
            )
        return NormalisedTarget("user_id", "user_id", str(int(value)))
    if identifier_type == "link":
        match = _LINK_RE.match(value)
        if not match:
            raise TargetError(_("“%(value)s” is not a t.me link: use the form https://t.me/name.") % {"value": value})
        path = match.group("path").strip("/")
        invite = _INVITE_RE.match(path)
        if invite:
            return NormalisedTarget("link", "invite", invite.group("hash"))
        # t.me/name/123 points at a post in a channel: the channel is the target.
        name = path.split("/")[0]
        if name.lower() in {"joinchat", "c", "s", "addstickers", "share"}:
            raise TargetError(_("“%(value)s” does not name a user, channel or group.") % {"value": value})
        return NormalisedTarget("link", "username", normalise_username(name))
    raise TargetError(
        _("Unknown identifier type “%(type)s”: use one of %(types)s.")
        % {"type": identifier_type, "types": ", ".join(TARGET_TYPES)}
    )


# --------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------


def answer_within(request_type: str, *, emergency: bool, default: timedelta, emergency_default: timedelta) -> timedelta:
    """How long the platform has to answer, from receipt. `emergency` is whether the request is
    handled as one: an emergency-type request whose justification states no danger is not."""
    rtype = REQUEST_TYPES[request_type]
    if emergency:
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


# 18 U.S.C. 2703(f)(2): 90 days; used for the provisional hold a production order starts at
# receipt (Reg. 2023/1543 Art. 10(1), 10(9): the addressee preserves the data on receipt).
PRODUCTION_ORDER_HOLD = timedelta(days=90)
# 18 U.S.C. 2703(f)(2) second 90 days; Reg. 2023/1543 Art. 11(1) and Annex VI: 30 more days.
HOLD_EXTENSION_TYPES = frozenset({"preservation_extension", "epoc_pr_extension"})
# Reg. 2023/1543 Art. 11(1), Annex V: a confirmed subsequent production request keeps the hold.
HOLD_CONFIRMATION_TYPES = frozenset({"epoc_pr_confirmation"})


def provisional_hold_until(request_type: str, received: date) -> date | None:
    """End of the hold a request starts at submission, counted from receipt (not approval);
    None when the request starts none. An Annex V confirmation keeps the original hold instead."""
    rtype = REQUEST_TYPES[request_type]
    if request_type in HOLD_EXTENSION_TYPES:
        return None  # extends the original hold when approved (hold_extend)
    if rtype.preservation and rtype.hold:
        return received + rtype.hold
    if request_type in PRODUCTION_ORDER_TYPES:
        return received + PRODUCTION_ORDER_HOLD
    return None


def hold_extension(original_type: str) -> timedelta | None:
    return REQUEST_TYPES[original_type].hold_extension


# Reg. 2023/1543 Art. 4(5): an emergency EPOC issued without prior judicial validation
# must be validated ex post within 48 hours.
EPOC_EMERGENCY_VALIDATION = timedelta(hours=48)
# Reg. 2023/1543 Art. 10(2): where the enforcing State is notified (Art. 8(1)), data are not
# transferred before 10 days have passed, unless the enforcing authority confirms earlier.
EPOC_NOTIFICATION_WAIT = timedelta(days=10)


def epoc_needs_ex_post_validation(
    request_type: str, authority_kind: str, *, emergency: bool, judicial_validation: bool
) -> bool:
    """Reg. 2023/1543 Art. 4(5): an emergency order of an Art. 4(1)(b)/(3)(b) authority (not a
    judge, court or prosecutor) issued without prior validation must be validated within 48 hours."""
    return (
        request_type in {"epoc", "epoc_pr"}
        and emergency
        and not judicial_validation
        and authority_kind not in JUDICIAL | {"prosecutor"}
    )


def epoc_needs_notification(
    request_type: str, categories: Iterable[str], *, identification_only: bool, domestic_exception: bool = False
) -> bool:
    """Reg. 2023/1543 Art. 8(1): an EPOC for traffic or content data is notified to the enforcing State.

    Art. 8(2): no notification where, when the order is issued, the issuing authority has reasonable
    grounds to believe that (a) the offence has been, is being or is likely to be committed in the
    issuing State and (b) the person whose data are sought resides in the issuing State. The officer
    declares both (`domestic_exception`); the reviewer sees the declaration."""
    if request_type != "epoc" or domestic_exception:
        return False
    return any(
        eu_data_class(c, identification_only=identification_only) in {"traffic", "content"}
        for c in categories
        if c in CATEGORIES
    )


def transfer_blocked(
    *,
    now: datetime,
    received_at: datetime,
    validation_due_at: datetime | None,
    validated_at: datetime | None,
    validation_refused_at: datetime | None,
    notification_required: bool,
    notified_at: datetime | None,
    enforcing_confirmed_at: datetime | None,
    enforcing_refused_at: datetime | None,
) -> str | None:
    """Why the records of an order may not leave yet (a sentence for the reviewer), or None."""
    if validation_refused_at is not None:
        return "The validating authority refused to validate the order; it is withdrawn (Reg. 2023/1543, Art. 4(5))."
    if validation_due_at is not None and validated_at is None:
        # Art. 4(5): nothing leaves before the ex-post validation arrives.
        return (
            "Waiting for the ex-post validation of this emergency order (due within 48 hours, "
            "Reg. 2023/1543, Art. 4(5)); record it when it arrives."
        )
    if enforcing_refused_at is not None:
        # Art. 12: a ground for refusal raised by the enforcing authority stops the transfer.
        return "The enforcing authority raised a ground for refusal; the data must not be transferred (Art. 12)."
    if notification_required:
        if notified_at is None:
            return (
                "The issuing authority must notify the enforcing State of this order for traffic or content data "
                "(Reg. 2023/1543, Art. 8(1)); record the notification first."
            )
        if enforcing_confirmed_at is None and now < notified_at + EPOC_NOTIFICATION_WAIT:
            # Art. 10(2): wait 10 days from receipt unless the enforcing authority confirms earlier.
            start = max(received_at, notified_at)
            if now < start + EPOC_NOTIFICATION_WAIT:
                return (
                    "The enforcing State has 10 days to raise a ground for refusal (Reg. 2023/1543, Art. 10(2)); "
                    f"transfer after {start + EPOC_NOTIFICATION_WAIT:%Y-%m-%d %H:%M} UTC unless it confirms earlier."
                )
    return None


# --------------------------------------------------------------------------------
# User notice: per process, who decides whether the user is told
# --------------------------------------------------------------------------------


class NoticePolicy(StrEnum):
    AUTOMATIC = "automatic"  # notified when the request closes, unless a nondisclosure order runs
    NEVER_AUTOMATIC = "never_automatic"  # the process carries its own secrecy rule
    AFTER_DANGER = "after_danger"  # emergencies: only once a reviewer records the danger is over
    REVIEWER_DECISION = "reviewer_decision"  # MLAT, CLOUD Act: an explicit reviewer decision


NOTICE_POLICY_REASONS = {
    NoticePolicy.NEVER_AUTOMATIC: gettext_noop(
        "This process carries its own secrecy rule; the user is never told automatically."
    ),
    NoticePolicy.AFTER_DANGER: gettext_noop(
        "Emergency: the user is told only once a reviewer records that the danger is over."
    ),
    NoticePolicy.REVIEWER_DECISION: gettext_noop(
        "A reviewer must decide whether the user is told (treaty or agreement process)."
    ),
    NoticePolicy.AUTOMATIC: gettext_noop(
        "The user is told when the request closes, unless a nondisclosure order runs."
    ),
}


def notice_policy(request_type: str, *, emergency: bool) -> NoticePolicy:
    rtype = REQUEST_TYPES[request_type]
    # 18 U.S.C. 2709(c) (NSL), 50 U.S.C. 1805(c)(2)(B), 1861(d), 1881a(i)(1)(A) (FISA),
    # 18 U.S.C. 2511(2)(a)(ii) (wiretap), 3123(d) (pen register): secrecy by statute.
    if rtype.national_security or request_type in PROSPECTIVE_TYPES:
        return NoticePolicy.NEVER_AUTOMATIC
    # 18 U.S.C. 2702(b)(8): telling the user while the danger lasts could cause the harm.
    if emergency or request_type == "emergency":
        return NoticePolicy.AFTER_DANGER
    # 18 U.S.C. 3512 and 2523: the requesting State's confidentiality terms are weighed by a person.
    if request_type in {"mlat", "cloud_act"}:
        return NoticePolicy.REVIEWER_DECISION
    return NoticePolicy.AUTOMATIC


# --------------------------------------------------------------------------------
# Certificates of authenticity: which form follows the request's legal system
# --------------------------------------------------------------------------------


class CertificateForm(StrEnum):
    US_FRE_902 = "us_fre_902"  # FRE 902(11) business records, 902(13) machine records, 902(14) hashes
    EU_EEVIDENCE = "eu_eevidence"  # data category per Reg. 2023/1543 Art. 5(5)(d)
    CUSTODIAN = "custodian"  # other legal systems: a custodian statement


def certificate_form(legal_framework: str, country: str) -> CertificateForm:
    # FRE 902(11), (13), (14) are U.S. rules of evidence: used for U.S. process, including
    # MLAT requests, which reach the platform as U.S. process obtained by the DOJ (18 U.S.C. 3512).
    if legal_framework in {"us_sca", "mlat"} or (country or "").upper() == "US":
        return CertificateForm.US_FRE_902
    if legal_framework == "eu_eevidence":
        return CertificateForm.EU_EEVIDENCE
    return CertificateForm.CUSTODIAN


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
    legal_basis: str = ""
    # Reg. 2023/1543 Art. 3(10): IP logs asked for only to identify the user at given times.
    ip_identification_only: bool = False
    ip_identification_times: str = ""
    # Reg. 2023/1543 Art. 8(2): offence and person both in the issuing State (no enforcing-State notification).
    epoc_domestic_exception: bool = False
    # 18 U.S.C. 3512: the MLAT request reached us as a U.S. search warrant obtained by the DOJ.
    doj_warrant: bool = False
    # 18 U.S.C. 2523(b)(4)(A)-(B), (D)(v): the officer's attestations for a CLOUD Act order.
    cloud_act_non_us_person: bool = False
    cloud_act_outside_us: bool = False
    cloud_act_independent_review: bool = False
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
        add(
            _err(
                "unknown_request_type",
                "request_type",
                _("“%(value)s” is not a request type we accept.") % {"value": draft.request_type},
            )
        )
        return findings

    emergency = draft.emergency or draft.request_type == "emergency"

    # Framework: the process must exist in the legal framework named.
    if draft.legal_framework and draft.legal_framework not in FRAMEWORKS:
        add(
            _err(
                "unknown_framework",
                "legal_framework",
                _("“%(value)s” is not a legal framework we know.") % {"value": draft.legal_framework},
            )
        )
    elif draft.legal_framework and draft.legal_framework not in rtype.frameworks:
        add(
            _err(
                "framework_mismatch",
                "legal_framework",
                _("%(process)s: not legal process under %(framework)s; choose the framework it was issued under.")
                % {"process": rtype.label, "framework": translate(FRAMEWORKS[draft.legal_framework])},
            )
        )
    if draft.authority_kind and draft.authority_kind not in AUTHORITY_KINDS:
        add(
            _err(
                "unknown_authority_kind",
                "authority_kind",
                _("“%(value)s” is not an authority kind we know.") % {"value": draft.authority_kind},
            )
        )

    findings.extend(_check_categories(draft, rtype))
    findings.extend(_check_authority(draft, rtype, emergency))
    findings.extend(_check_targets(draft))
    findings.extend(_check_dates(draft, rtype))
    findings.extend(_check_emergency(draft, emergency))
    findings.extend(_check_eevidence(draft, rtype, emergency))
    findings.extend(_check_us_process(draft, rtype))

    # A request needs its legal process attached; an emergency request may send it later
    # (18 U.S.C. 2702(b)(8) needs none; Reg. 2023/1543 Art. 4(5) validation follows).
    if not draft.has_document:
        if emergency:
            add(
                _info(
                    "document_later",
                    "documents",
                    _("Send the legal process as soon as you have it; we act on the emergency first."),
                )
            )
        else:
            add(
                _err(
                    "document_missing",
                    "documents",
                    _("Attach the legal process (the signed order, warrant or subpoena) as a PDF."),
                )
            )

    if draft.ndo:
        if draft.ndo_indefinite and draft.ndo_until:
            add(
                _err(
                    "ndo_conflict",
                    "ndo_until",
                    _("A nondisclosure order is either indefinite or has an end date, not both."),
                )
            )
        elif not draft.ndo_indefinite and not draft.ndo_until:
            add(
                _err(
                    "ndo_end_missing",
                    "ndo_until",
                    _("Give the date the nondisclosure order ends, or mark it indefinite."),
                )
            )
        elif draft.ndo_until and draft.ndo_until <= draft.today:
            add(
                _err(
                    "ndo_end_past",
                    "ndo_until",
                    _("The nondisclosure order's end date has passed; the user may be notified."),
                )
            )
        if draft.ndo_indefinite:
            add(
                _warn(
                    "ndo_indefinite",
                    "ndo_until",
                    _("An indefinite nondisclosure order will be reviewed; courts increasingly require an end date."),
                )
            )

    if rtype.note:
        add(_info("process_note", "request_type", rtype.note))
    if rtype.national_security:
        add(
            _info(
                "national_security_bands",
                "request_type",
                _("National-security requests are reported publicly only in bands of 500."),
            )
        )

    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    findings.sort(key=lambda f: order[f.severity])
    return findings


def _check_categories(draft: Draft, rtype: RequestType) -> list[Finding]:
    out: list[Finding] = []
    if not draft.data_categories:
        out.append(_err("no_categories", "data_categories", _("Choose at least one kind of data.")))
        return out
    for code in draft.data_categories:
        cat = CATEGORIES.get(code)
        if cat is None:
            out.append(
                _err(
                    "unknown_category",
                    "data_categories",
                    _("“%(value)s” is not a kind of data the platform holds.") % {"value": code},
                )
            )
        elif cat.e2ee:
            out.append(
                _err(
                    "e2ee_category",
                    "data_categories",
                    _("%(category)s: %(explanation)s")
                    % {"category": cat.label, "explanation": translate(E2EE_EXPLANATION)},
                )
            )
        elif code not in rtype.compels:
            out.append(
                _err(
                    "category_not_compellable",
                    "data_categories",
                    _("%(process)s cannot compel this data: %(category)s. %(stronger)s")
                    % {"process": rtype.label, "category": cat.label, "stronger": _stronger_process(code)},
                )
            )
    return out


def _stronger_process(category: str) -> str:
    cat = CATEGORIES[category]
    if cat.content:
        return _("Content needs a search warrant (18 U.S.C. 2703(a)-(b)) or an order of equivalent standing.")
    return _("Non-content records need a 2703(d) court order or a search warrant.")


def _check_authority(draft: Draft, rtype: RequestType, emergency: bool) -> list[Finding]:
    out: list[Finding] = []
    kind = draft.authority_kind
    if rtype.code == "nsl" and kind and kind != "national_security":
        # 18 U.S.C. 2709(b): the Director of the FBI or a designee at Deputy Assistant Director
        # level or above at Headquarters, or a Special Agent in Charge of a field office.
        out.append(
            _err(
                "nsl_issuer",
                "authority_kind",
                _(
                    "A national security letter is issued only by a designated FBI official (the Director, a Deputy "
                    "Assistant Director or above, or a Special Agent in Charge, 18 U.S.C. 2709(b)); "
                    "choose National-security agency and attach the signed letter."
                ),
            )
        )
    if rtype.code == "fisa_702" and kind and kind != "national_security":
        # 50 U.S.C. 1881a(i)(1): directives are issued by the Attorney General and the DNI.
        out.append(
            _err(
                "fisa_702_issuer",
                "authority_kind",
                _(
                    "A Section 702 directive is issued by the Attorney General and the Director of National "
                    "Intelligence (50 U.S.C. 1881a(i)); choose National-security agency."
                ),
            )
        )
    court_made = {"search_warrant", "wiretap", "court_order_2703d", "court_order_other", "pen_register"}
    if rtype.code in court_made | {"fisa_content", "fisa_non_content"} and kind:
        if kind not in JUDICIAL:
            out.append(
                _err(
                    "needs_court",
                    "authority_kind",
                    _("%(process)s must be issued by a judge or court; the authority named is: %(kind)s.")
                    % {"process": rtype.label, "kind": translate(AUTHORITY_KINDS[kind])},
                )
            )
    return out


def _check_eevidence(draft: Draft, rtype: RequestType, emergency: bool) -> list[Finding]:
    """Reg. 2023/1543: when it applies, and who may issue which order for which data."""
    out: list[Finding] = []
    if rtype.code not in EU_EEVIDENCE_TYPES:
        return out
    if draft.today < EU_EEVIDENCE_APPLIES_FROM:
        # Art. 34(2): the Regulation applies from 18 August 2026.
        out.append(
            _err(
                "eevidence_not_applicable",
                "request_type",
                _(
                    "The e-Evidence Regulation applies from 18 August 2026 (Regulation 2023/1543, Art. 34(2)); "
                    "before then, send this request as mutual legal assistance or under national law."
                ),
            )
        )
    kind = draft.authority_kind
    if not kind:
        return out
    judicial = kind in JUDICIAL or draft.judicial_validation
    if kind == "national_security":
        out.append(
            _err(
                "authority_not_competent",
                "authority_kind",
                _(
                    "A European order is issued by a judge, court, investigating judge or prosecutor, or by another "
                    "competent investigating authority and validated by one (Regulation 2023/1543, Art. 4)."
                ),
            )
        )
        return out
    if rtype.code == "epoc":
        classes = {
            eu_data_class(c, identification_only=draft.ip_identification_only)
            for c in draft.data_categories
            if c in CATEGORIES
        }
        if classes & {"traffic", "content"} and not judicial:
            # Art. 4(2): traffic and content data only by a judge, court or investigating judge, or
            # validated by one; Art. 4(5) lifts prior validation only for subscriber/identification data.
            out.append(
                _err(
                    "epoc_needs_judge",
                    "authority_kind",
                    _(
                        "Traffic or content data need an order issued or validated by a judge, court or investigating "
                        "judge (Regulation 2023/1543, Art. 4(2)), also in an emergency. Have it validated, or ask "
                        "only for subscriber data or data to identify the user."
                    ),
                )
            )
            return out
    if kind in JUDICIAL | {"prosecutor"} or draft.judicial_validation:
        return out  # Art. 4(1)(a), 4(3)(a): may issue (prosecutor: subscriber/identification, any EPOC-PR)
    if emergency and rtype.code in {"epoc", "epoc_pr"}:
        # Art. 4(5): validly established emergency; validation must follow within 48 hours.
        out.append(
            _info(
                "epoc_ex_post_validation",
                "judicial_validation",
                _(
                    "Send the validation by a judge, court or prosecutor within 48 hours (Regulation 2023/1543, "
                    "Art. 4(5)); nothing is produced until it arrives, and the order is withdrawn if it is refused."
                ),
            )
        )
        return out
    # Art. 4(1)(b), 4(3)(b): other competent authorities need prior validation.
    out.append(
        _err(
            "authority_not_competent",
            "authority_kind",
            _(
                "An order of the police or another investigating authority must first be validated by a judge, "
                "court or prosecutor (Regulation 2023/1543, Art. 4(1)(b) and 4(3)(b)); tick the validation box "
                "and attach the validated order."
            ),
        )
    )
    return out


_DSA_ONLY = re.compile(
    r"^\s*(dsa|digital services act|(reg(ulation)?\.?\s*\(?eu\)?\s*)?2022/2065)?[\s,.;:]*"
    r"(art(icle)?\.?\s*10([.(]\w+\)?)?)?[\s,.;:]*(dsa|2022/2065)?\s*$",
    re.I,
)


def _check_us_process(draft: Draft, rtype: RequestType) -> list[Finding]:
    """U.S. process rules (and the DSA legal-basis rule) that depend on more than the categories."""
    out: list[Finding] = []
    code = rtype.code
    if code in PROSPECTIVE_TYPES and draft.date_to and draft.date_to < draft.today:
        # 18 U.S.C. 2518 and 3121-3127 authorise collection going forward only.
        out.append(
            _err(
                "prospective_only",
                "date_to",
                _(
                    "%(process)s covers data going forward; this period is wholly in the past. "
                    "Stored content needs a search warrant (18 U.S.C. 2703(a)-(b)) and past records a "
                    "subpoena or 2703(d) order (18 U.S.C. 2703(c)-(d))."
                )
                % {"process": rtype.label},
            )
        )
    if code == "mlat" and not draft.doj_warrant:
        wanted = [c for c in draft.data_categories if c in CONTENT]
        if wanted:
            # 18 U.S.C. 3512 and 2703(a)-(b): content only on a U.S. warrant obtained by the DOJ.
            out.append(
                _err(
                    "mlat_content_needs_warrant",
                    "doj_warrant",
                    _(
                        "Content is produced under a mutual legal assistance request only on a U.S. search warrant "
                        "obtained by the Department of Justice (18 U.S.C. 3512, 2703(a)-(b)); attach it and tick the box."
                    ),
                )
            )
    if code == "cloud_act":
        # 18 U.S.C. 2523(b)(4)(A)-(B): not targeting a U.S. person or a person in the U.S.;
        # (b)(4)(D)(v): subject to review or oversight by a court, judge or independent authority.
        for flag, field_name, sentence in (
            (
                draft.cloud_act_non_us_person,
                "cloud_act_non_us_person",
                _(
                    "Confirm that the target is not a U.S. person (18 U.S.C. 2523(b)(4)); "
                    "without it the agreement does not apply."
                ),
            ),
            (
                draft.cloud_act_outside_us,
                "cloud_act_outside_us",
                _(
                    "Confirm that the target is located outside the United States (18 U.S.C. 2523(b)(4)); "
                    "without it the agreement does not apply."
                ),
            ),
            (
                draft.cloud_act_independent_review,
                "cloud_act_independent_review",
                _(
                    "Confirm that the order was subject to review by a court, judge or other independent authority "
                    "(18 U.S.C. 2523(b)(4)); without it the agreement does not apply."
                ),
            ),
        ):
            if not flag:
                out.append(
                    _err(
                        "cloud_act_attestation_missing",
                        field_name,
                        sentence,
                    )
                )
    if code == "dsa_art10":
        basis = draft.legal_basis.strip()
        if not basis:
            # Reg. 2022/2065 Art. 10(1), (2)(a): the order names the national or Union law it is issued under.
            out.append(
                _err(
                    "dsa_basis_missing",
                    "legal_basis",
                    _(
                        "Name the national or Union law the order is issued under (DSA Art. 10(2)(a)); "
                        "what it may reach comes from that law."
                    ),
                )
            )
        elif _DSA_ONLY.match(basis):
            # Recital 31: the DSA does not itself give a legal basis to require information.
            out.append(
                _err(
                    "dsa_not_a_basis",
                    "legal_basis",
                    _(
                        "The Digital Services Act is not itself a legal basis to require information (recital 31); "
                        "name the national or Union law the order is issued under."
                    ),
                )
            )
    if draft.epoc_domestic_exception and draft.request_type == "epoc":
        # Reg. 2023/1543 Art. 8(2): the issuing authority's declaration lifts the notification of Art. 8(1).
        out.append(
            _info(
                "epoc_domestic_exception",
                "epoc_domestic_exception",
                "You declared that the offence was committed, is being committed or is likely to be committed "
                "in your State and that the person resides there (Regulation 2023/1543, Art. 8(2)): the "
                "enforcing State is not notified and the data can be transferred without its 10 days.",
            )
        )
    elif draft.epoc_domestic_exception:
        out.append(
            _err(
                "domestic_exception_not_epoc",
                "epoc_domestic_exception",
                "The exception of Art. 8(2) of Regulation 2023/1543 applies only to a European Production "
                "Order; untick it for this process.",
            )
        )
    if (
        "ip_logs" in draft.data_categories
        and draft.ip_identification_only
        and not draft.ip_identification_times.strip()
    ):
        # Reg. 2023/1543 Art. 3(10): identification data are tied to a specific time.
        out.append(
            _err(
                "identification_times_missing",
                "ip_identification_times",
                _(
                    "Give the dates and times for which the user is to be identified, or untick "
                    "'only to identify the user'."
                ),
            )
        )
    return out


def _check_targets(draft: Draft) -> list[Finding]:
    out: list[Finding] = []
    if not draft.targets:
        out.append(
            _err(
                "no_targets", "targets", _("Name at least one account: a phone number, username, user ID or t.me link.")
            )
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
                    _("“%(value)s” names the same account as target %(number)s; remove one.")
                    % {"value": raw.strip(), "number": seen[target.key] + 1},
                )
            )
        else:
            seen[target.key] = index
    if valid == 0 and not any(f.code == "target_invalid" for f in out):
        out.append(_err("no_targets", "targets", _("Name at least one valid account.")))
    return out


def _check_dates(draft: Draft, rtype: RequestType) -> list[Finding]:
    out: list[Finding] = []
    start, end = draft.date_from, draft.date_to
    if start and end and start > end:
        out.append(_err("date_range_reversed", "date_from", _("The start date is after the end date.")))
    for name, value in (("date_from", start), ("date_to", end)):
        if value and value > draft.today:
            out.append(
                _err(
                    "date_range_future",
                    name,
                    _(
                        "Dates in the future cannot be produced from stored data; use a wiretap or "
                        "pen register order for data yet to come."
                    ),
                )
                if rtype.code not in {"wiretap", "pen_register"}
                else _info("prospective", name, _("This order covers data going forward."))
            )
    wants_content = any(c in CONTENT for c in draft.data_categories)
    if wants_content and not rtype.preservation:
        if not (start and end):
            out.append(
                _warn(
                    "date_range_missing",
                    "date_from",
                    _("Content requests without a date range are often overbroad; give the period the order covers."),
                )
            )
        elif (end - start).days > CONTENT_RANGE_WARN_DAYS:
            out.append(
                _warn(
                    "date_range_long",
                    "date_from",
                    _("The date range is over a year; check that the order authorises the whole period."),
                )
            )
    return out


def _check_emergency(draft: Draft, emergency: bool) -> list[Finding]:
    out: list[Finding] = []
    if not emergency:
        return out
    if not (draft.date_from and draft.date_to):
        # 18 U.S.C. 2702(b)(8), (c)(4): only information relating to the emergency may be disclosed.
        out.append(
            _err(
                "emergency_range_missing",
                "date_from",
                _(
                    "Give the period the emergency concerns (start and end dates): only information relating "
                    "to the emergency can be disclosed."
                ),
            )
        )
    text = draft.emergency_justification.strip()
    # 18 U.S.C. 2702(b)(8): a good-faith belief that an emergency involving danger of
    # death or serious physical injury requires disclosure without delay.
    if len(text) < MIN_JUSTIFICATION_CHARS:
        out.append(
            _err(
                "emergency_justification_missing",
                "emergency_justification",
                _(
                    "Describe the emergency: who is in danger of death or serious physical injury, and why it is imminent."
                ),
            )
        )
    elif not _DANGER_WORDS.search(text):
        out.append(
            _warn(
                "emergency_justification_weak",
                "emergency_justification",
                _(
                    "The justification does not say what danger of death or serious physical injury is imminent; "
                    "without one, the request is handled as an ordinary request with the ordinary deadline."
                ),
            )
        )
    if not draft.emergency_attested:
        out.append(
            _err(
                "emergency_not_attested",
                "emergency_attested",
                _("Confirm that the facts are true to the best of your knowledge (the sworn attestation)."),
            )
        )
    return out


def _err(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.ERROR, fld, msg)


def _warn(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.WARNING, fld, msg)


def _info(code: str, fld: str, msg: str) -> Finding:
    return Finding(code, Severity.INFO, fld, msg)


def choices(mapping: Mapping[str, object]) -> list[tuple[str, str]]:
    """(code, label) pairs for forms and model fields, the labels translated lazily: a form or
    model shows them in the language of the request. Only Django code calls this."""
    from django.utils.translation import gettext_lazy

    out = []
    for code, value in mapping.items():
        label = getattr(value, "label_en", value)
        out.append((code, cast(str, gettext_lazy(str(label)))))
    return out
