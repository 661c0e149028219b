"""The law of the CyberTipline register, as data. Pure Python: no Django import.

Each constant cites its source beside it. docs/cybertipline.md explains them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class IncidentType:
    code: str
    label: str
    statutes: str
    ncmec: str  # the value of <incidentType> in NCMEC's schema


# 18 U.S.C. 2258A(a)(2): the "apparent violations" a provider must report.
INCIDENT_TYPES: dict[str, IncidentType] = {
    t.code: t
    for t in (
        IncidentType(
            "child_pornography",
            "Child pornography (apparent)",
            "18 U.S.C. 2251, 2251A, 2252, 2252A, 2252B, 2260",  # 2258A(a)(2)(A)
            "Child Pornography (possession, manufacture, and distribution)",
        ),
        IncidentType(
            "child_sex_trafficking",
            "Child sex trafficking",
            "18 U.S.C. 1591",  # 2258A(a)(2)(A), as amended by the REPORT Act 2024
            "Child Sex Trafficking",
        ),
        IncidentType(
            "online_enticement",
            "Online enticement of a child",
            "18 U.S.C. 2422(b)",  # 2258A(a)(2)(A), as amended by the REPORT Act 2024
            "Online Enticement of Children for Sexual Acts",
        ),
        IncidentType(
            "planned_violation",
            "Planned or imminent violation",
            "18 U.S.C. 2258A(a)(2)(B)",  # facts indicating a violation that is planned or imminent
            "Child Pornography (possession, manufacture, and distribution)",
        ),
    )
}

DETECTION_SOURCES = {
    "hash_match": "Hash match (name the hash list)",
    "classifier": "Classifier",
    "user_report": "User report",
    "ngo": "NGO referral",
    "law_enforcement": "Law enforcement",
}

# Where on the platform a file was found. Secret chats are end-to-end encrypted: the platform
# cannot read them, so nothing can ever be reported from one (DESIGN.md, "What it is for").
CHAT_TYPES = {
    "private_chat": "Private cloud chat",
    "group": "Group",
    "channel": "Channel",
    "profile": "Profile or public post",
}
UNREADABLE_CHAT_TYPES = frozenset({"secret_chat"})

# The report's fields a reviewer may withhold from NCMEC (each with a reason); the rest are sent.
SENDABLE_FIELDS = {
    "username": "Username",
    "phone": "Phone number",
    "signup_ip": "Sign-up IP address",
    "upload_ip": "Upload IP address, port and time",
    "files": "The files themselves (hashes are always sent)",
}

# Internal maximum from actual knowledge to submission. 2258A(a)(1)(A) says "as soon as reasonably
# possible after obtaining actual knowledge"; the number is the platform's own policy (setting).
DEFAULT_SLA_HOURS = 24
# Remind the reviewers when this share of the clock has run.
REMIND_AT_FRACTION = 0.75

# 18 U.S.C. 2258A(h)(1) as amended by the REPORT Act (Pub. L. 118-59, 2024): NCMEC's acknowledgement
# of a report is a request to preserve its contents and the related data for one year.
PRESERVATION_PERIOD = timedelta(days=365)

# Regulation (EU) 2021/1232 (the interim ePrivacy derogation), Art. 10: applied until 3 August 2024;
# Regulation (EU) 2024/1307 extended it to 3 April 2026. Its successor (Council first-reading position
# of 2 July 2026) extends the derogation to 3 April 2028. Check the Official Journal before relying on it.
EU_DEROGATION_END = date(2028, 4, 3)
EU_LEGAL_BASES = {
    "reg_2021_1232_art3": "Reg. (EU) 2021/1232 Art. 3 (voluntary detection under the derogation), "
    "with Art. 6(1)(c)/(f) GDPR",
    "none": "No EU nexus",
}

# NCMEC report ids are numbers; a law-enforcement request "cites" one when its text says so.
_CITATION = re.compile(r"(?:cyber\s*tip(?:line)?|ncmec|ctr?)\D{0,20}?(\d{6,12})", re.IGNORECASE)


def cited_report_ids(*texts: str) -> set[str]:
    """NCMEC report ids cited in free text ("CyberTipline report 123456789", "CT #12345678")."""
    found: set[str] = set()
    for text in texts:
        found.update(m.group(1) for m in _CITATION.finditer(text or ""))
    return found


def chat_type_error(chat_type: str) -> str | None:
    if chat_type in UNREADABLE_CHAT_TYPES:
        return (
            "Secret chats are end-to-end encrypted: the platform cannot read them, "
            "so no file in a report can come from one."
        )
    if chat_type not in CHAT_TYPES:
        return f"Unknown chat type {chat_type!r}; choose one of {', '.join(CHAT_TYPES)}."
    return None
