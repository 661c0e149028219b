"""The legal rules engine as a table of cases. No database, no Django settings needed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from requests_app import rules
from requests_app.rules import Draft, Severity

TODAY = date(2026, 11, 24)
JUSTIFICATION = "Credible threat to kill a hostage held since this morning; the suspect uses this account."


def draft(**kw) -> Draft:
    base = dict(
        request_type="search_warrant",
        legal_framework="us_sca",
        authority_kind="judge",
        data_categories=["subscriber_info"],
        targets=[("username", "suspect_one")],
        date_from=date(2026, 1, 1),
        date_to=date(2026, 6, 30),
        has_document=True,
        country="US",
        today=TODAY,
    )
    base.update(kw)
    return Draft(**base)


def codes(findings, severity=None):
    return {f.code for f in findings if severity is None or f.severity is severity}


EU = dict(legal_framework="eu_eevidence", country="DE")
EMERGENCY = dict(emergency=True, emergency_justification=JUSTIFICATION, emergency_attested=True)
FUTURE = dict(date_to=TODAY + timedelta(days=30))
CLOUD_ACT_OK = dict(
    request_type="cloud_act",
    legal_framework="cloud_act",
    authority_kind="court",
    cloud_act_non_us_person=True,
    cloud_act_outside_us=True,
    cloud_act_independent_review=True,
)

# Cases added for issue 10: each names the article it checks.
NEW_CASES = [
    # Reg. 2023/1543 Art. 4(2): traffic/content need a judge, even in an emergency.
    (
        "epoc-emergency-content-by-police",
        dict(request_type="epoc", authority_kind="police", data_categories=["media"], **EU, **EMERGENCY),
        {"epoc_needs_judge"},
        set(),
    ),
    # Art. 4(5): police may issue an emergency EPOC for subscriber data; ex-post validation follows.
    (
        "epoc-emergency-subscriber-by-police",
        dict(request_type="epoc", authority_kind="police", **EU, **EMERGENCY),
        set(),
        {"epoc_ex_post_validation"},
    ),
    # Art. 4(1)(a): a prosecutor may issue for subscriber data, no ex-post validation needed.
    (
        "epoc-emergency-subscriber-by-prosecutor",
        dict(request_type="epoc", authority_kind="prosecutor", **EU, **EMERGENCY),
        set(),
        set(),
    ),
    # Art. 4(1)(b): not an emergency, police need prior validation.
    (
        "epoc-subscriber-by-police",
        dict(request_type="epoc", authority_kind="police", **EU),
        {"authority_not_competent"},
        set(),
    ),
    (
        "epoc-subscriber-by-police-validated",
        dict(request_type="epoc", authority_kind="police", judicial_validation=True, **EU),
        set(),
        set(),
    ),
    # Art. 3(10)-(11): IP logs are traffic data unless asked for only to identify the user.
    (
        "epoc-ip-logs-by-prosecutor-traffic",
        dict(request_type="epoc", authority_kind="prosecutor", data_categories=["ip_logs"], **EU),
        {"epoc_needs_judge"},
        set(),
    ),
    (
        "epoc-ip-logs-identification-only",
        dict(
            request_type="epoc",
            authority_kind="prosecutor",
            data_categories=["ip_logs"],
            ip_identification_only=True,
            ip_identification_times="2026-11-02 14:03 UTC",
            **EU,
        ),
        set(),
        set(),
    ),
    (
        "epoc-ip-logs-identification-no-times",
        dict(
            request_type="epoc",
            authority_kind="prosecutor",
            data_categories=["ip_logs"],
            ip_identification_only=True,
            **EU,
        ),
        {"identification_times_missing"},
        set(),
    ),
    # Art. 3(12): uploaded contacts are content data.
    (
        "epoc-contacts-by-prosecutor",
        dict(request_type="epoc", authority_kind="prosecutor", data_categories=["contacts"], **EU),
        {"epoc_needs_judge"},
        set(),
    ),
    # Art. 34(2): applies from 18 August 2026.
    (
        "epoc-before-application",
        dict(request_type="epoc", authority_kind="judge", today=date(2026, 8, 17), date_to=date(2026, 6, 30), **EU),
        {"eevidence_not_applicable"},
        set(),
    ),
    (
        "epoc-pr-before-application",
        dict(
            request_type="epoc_pr", authority_kind="judge", today=date(2026, 3, 1), date_to=None, date_from=None, **EU
        ),
        {"eevidence_not_applicable"},
        set(),
    ),
    (
        "epoc-on-application-day",
        dict(request_type="epoc", authority_kind="judge", today=date(2026, 8, 18), **EU),
        set(),
        set(),
    ),
    # Art. 4(3) and 4(5) for EPOC-PR and its Annex V/VI companions.
    (
        "epoc-pr-by-police",
        dict(request_type="epoc_pr", authority_kind="police", **EU),
        {"authority_not_competent"},
        set(),
    ),
    (
        "epoc-pr-emergency-by-police",
        dict(request_type="epoc_pr", authority_kind="police", data_categories=["media"], **EU, **EMERGENCY),
        set(),
        {"epoc_ex_post_validation"},
    ),
    (
        "epoc-pr-extension-by-prosecutor",
        dict(request_type="epoc_pr_extension", authority_kind="prosecutor", **EU),
        set(),
        set(),
    ),
    (
        "epoc-pr-extension-by-police",
        dict(request_type="epoc_pr_extension", authority_kind="police", **EU),
        {"authority_not_competent"},
        set(),
    ),
    (
        "epoc-pr-confirmation-by-judge",
        dict(request_type="epoc_pr_confirmation", authority_kind="judge", **EU),
        set(),
        set(),
    ),
    (
        "epoc-by-national-security",
        dict(request_type="epoc", authority_kind="national_security", **EU),
        {"authority_not_competent"},
        set(),
    ),
    # 18 U.S.C. 2518, 3121-3127: prospective only.
    ("wiretap-past-range", dict(request_type="wiretap", data_categories=["media"]), {"prospective_only"}, set()),
    (
        "pen-register-past-range",
        dict(request_type="pen_register", data_categories=["ip_logs"]),
        {"prospective_only"},
        set(),
    ),
    (
        "pen-register-running",
        dict(request_type="pen_register", data_categories=["ip_logs"], **FUTURE),
        set(),
        {"prospective"},
    ),
    # 50 U.S.C. 1805/1824, 1842/1861, 1881a: FISA process, national security, banded.
    (
        "fisa-content-by-fisc",
        dict(request_type="fisa_content", authority_kind="court", data_categories=["media"]),
        set(),
        {"national_security_bands"},
    ),
    (
        "fisa-content-by-police",
        dict(request_type="fisa_content", authority_kind="police", data_categories=["media"]),
        {"needs_court"},
        set(),
    ),
    (
        "fisa-non-content-content",
        dict(request_type="fisa_non_content", authority_kind="court", data_categories=["media"]),
        {"category_not_compellable"},
        set(),
    ),
    (
        "fisa-702-by-ns",
        dict(request_type="fisa_702", authority_kind="national_security", data_categories=["cloud_chat_content"]),
        set(),
        {"national_security_bands"},
    ),
    ("fisa-702-by-court", dict(request_type="fisa_702", authority_kind="court"), {"fisa_702_issuer"}, set()),
    # 18 U.S.C. 3512: MLAT content needs a DOJ-obtained U.S. warrant.
    (
        "mlat-content-no-warrant",
        dict(request_type="mlat", legal_framework="mlat", authority_kind="court", data_categories=["media"]),
        {"mlat_content_needs_warrant"},
        set(),
    ),
    (
        "mlat-subscriber-no-warrant",
        dict(request_type="mlat", legal_framework="mlat", authority_kind="court"),
        set(),
        {"process_note"},
    ),
    # 18 U.S.C. 2523(b)(4): attestations.
    ("cloud-act-attested", dict(**CLOUD_ACT_OK), set(), set()),
    (
        "cloud-act-us-person",
        dict(CLOUD_ACT_OK, cloud_act_non_us_person=False),
        {"cloud_act_attestation_missing"},
        set(),
    ),
    (
        "cloud-act-no-review",
        dict(CLOUD_ACT_OK, cloud_act_independent_review=False, cloud_act_outside_us=False),
        {"cloud_act_attestation_missing"},
        set(),
    ),
    # 18 U.S.C. 2702(b)(8): only information relating to the emergency: a date range is required.
    (
        "emergency-no-range",
        dict(request_type="emergency", authority_kind="police", date_from=None, date_to=None, **EMERGENCY),
        {"emergency_range_missing"},
        set(),
    ),
    # DSA Art. 10(2)(a), recital 31.
    (
        "dsa-no-basis",
        dict(request_type="dsa_art10", legal_framework="eu_dsa", authority_kind="other", country="NL"),
        {"dsa_basis_missing"},
        set(),
    ),
    (
        "dsa-only-dsa-basis",
        dict(
            request_type="dsa_art10",
            legal_framework="eu_dsa",
            authority_kind="other",
            country="NL",
            legal_basis="Art. 10 DSA",
        ),
        {"dsa_not_a_basis"},
        set(),
    ),
    (
        "dsa-national-basis-content",
        dict(
            request_type="dsa_art10",
            legal_framework="eu_dsa",
            authority_kind="court",
            country="NL",
            legal_basis="Art. 126nf Wetboek van Strafvordering",
            data_categories=["media"],
        ),
        set(),
        set(),
    ),
]

# (id, draft overrides, expected error codes (exact), expected warning/info codes (subset))
CASES = [
    # --- US Stored Communications Act: which process compels what (18 U.S.C. 2703) ---
    ("subpoena-subscriber", dict(request_type="subpoena", authority_kind="prosecutor"), set(), set()),
    (
        "subpoena-ip-logs",
        dict(request_type="subpoena", authority_kind="prosecutor", data_categories=["ip_logs"]),
        set(),
        set(),
    ),
    (
        "subpoena-contacts",
        dict(request_type="subpoena", authority_kind="prosecutor", data_categories=["contacts"]),
        {"category_not_compellable"},
        set(),
    ),
    (
        "subpoena-content",
        dict(request_type="subpoena", authority_kind="prosecutor", data_categories=["cloud_chat_content"]),
        {"category_not_compellable"},
        set(),
    ),
    ("2703d-contacts", dict(request_type="court_order_2703d", data_categories=["contacts", "ip_logs"]), set(), set()),
    (
        "2703d-content",
        dict(request_type="court_order_2703d", data_categories=["media"]),
        {"category_not_compellable"},
        set(),
    ),
    (
        "2703d-by-prosecutor",
        dict(request_type="court_order_2703d", authority_kind="prosecutor", data_categories=["ip_logs"]),
        {"needs_court"},
        set(),
    ),
    ("warrant-content", dict(data_categories=["cloud_chat_content", "group_channel_content", "media"]), set(), set()),
    ("warrant-by-police", dict(authority_kind="police"), {"needs_court"}, set()),
    (
        "warrant-content-no-range",
        dict(data_categories=["cloud_chat_content"], date_from=None, date_to=None),
        set(),
        {"date_range_missing"},
    ),
    (
        "warrant-content-long-range",
        dict(data_categories=["media"], date_from=date(2020, 1, 1)),
        set(),
        {"date_range_long"},
    ),
    (
        "nsl-subscriber",
        dict(request_type="nsl", authority_kind="national_security"),
        set(),
        {"process_note", "national_security_bands"},
    ),
    (
        "nsl-ip-logs",
        dict(request_type="nsl", authority_kind="national_security", data_categories=["ip_logs"]),
        {"category_not_compellable"},
        set(),
    ),
    ("nsl-by-police", dict(request_type="nsl", authority_kind="police"), {"nsl_issuer"}, set()),
    (
        "pen-register-prospective",
        dict(request_type="pen_register", data_categories=["ip_logs"], date_to=TODAY + timedelta(days=60)),
        set(),
        {"prospective"},
    ),
    (
        "pen-register-content",
        dict(request_type="pen_register", data_categories=["cloud_chat_content"], date_to=TODAY + timedelta(days=30)),
        {"category_not_compellable"},
        set(),
    ),
    (
        "wiretap-content",
        dict(request_type="wiretap", data_categories=["cloud_chat_content"], date_to=TODAY + timedelta(days=30)),
        set(),
        set(),
    ),
    (
        "court-order-other-content",
        dict(request_type="court_order_other", legal_framework="national", data_categories=["media"]),
        {"category_not_compellable"},
        set(),
    ),
    (
        "mlat-content",
        dict(
            request_type="mlat",
            legal_framework="mlat",
            authority_kind="court",
            data_categories=["cloud_chat_content"],
            doj_warrant=True,
        ),
        set(),
        set(),
    ),
    (
        "cloud-act-order",
        dict(CLOUD_ACT_OK, data_categories=["cloud_chat_content"]),
        set(),
        set(),
    ),
    (
        "framework-mismatch",
        dict(request_type="subpoena", legal_framework="eu_eevidence", authority_kind="prosecutor"),
        {"framework_mismatch"},
        set(),
    ),
    ("unknown-framework", dict(legal_framework="klingon"), {"unknown_framework"}, set()),
    # --- End-to-end encrypted categories: never, whatever the process ---
    ("e2ee-secret-chat-warrant", dict(data_categories=["secret_chat_content"]), {"e2ee_category"}, set()),
    (
        "e2ee-calls-wiretap",
        dict(request_type="wiretap", data_categories=["call_content"], **FUTURE),
        {"e2ee_category"},
        set(),
    ),
    (
        "e2ee-emergency",
        dict(
            request_type="emergency",
            emergency=True,
            emergency_justification=JUSTIFICATION,
            emergency_attested=True,
            data_categories=["secret_chat_content"],
        ),
        {"e2ee_category"},
        set(),
    ),
    ("unknown-category", dict(data_categories=["dna_samples"]), {"unknown_category"}, set()),
    ("no-category", dict(data_categories=[]), {"no_categories"}, set()),
    # --- EU e-Evidence Regulation 2023/1543 ---
    (
        "epoc-subscriber-by-prosecutor",
        dict(request_type="epoc", legal_framework="eu_eevidence", authority_kind="prosecutor", country="DE"),
        set(),
        set(),
    ),
    (
        "epoc-content-by-prosecutor",
        dict(
            request_type="epoc",
            legal_framework="eu_eevidence",
            authority_kind="prosecutor",
            data_categories=["cloud_chat_content"],
            country="DE",
        ),
        {"epoc_needs_judge"},
        set(),
    ),
    (
        "epoc-content-validated",
        dict(
            request_type="epoc",
            legal_framework="eu_eevidence",
            authority_kind="prosecutor",
            judicial_validation=True,
            data_categories=["cloud_chat_content"],
            country="DE",
        ),
        set(),
        set(),
    ),
    (
        "epoc-content-by-judge",
        dict(
            request_type="epoc",
            legal_framework="eu_eevidence",
            authority_kind="judge",
            data_categories=["contacts", "media"],
            country="FR",
        ),
        set(),
        set(),
    ),
    (
        "epoc-by-police",
        dict(request_type="epoc", legal_framework="eu_eevidence", authority_kind="police", country="FR"),
        {"authority_not_competent"},
        set(),
    ),
    (
        "epoc-emergency-content-by-prosecutor",
        dict(
            request_type="epoc",
            legal_framework="eu_eevidence",
            authority_kind="prosecutor",
            emergency=True,
            emergency_justification=JUSTIFICATION,
            emergency_attested=True,
            data_categories=["cloud_chat_content"],
            country="DE",
        ),
        {"epoc_needs_judge"},  # Art. 4(2) applies in emergencies too
        set(),
    ),
    (
        "epoc-pr-by-prosecutor",
        dict(
            request_type="epoc_pr",
            legal_framework="eu_eevidence",
            authority_kind="prosecutor",
            data_categories=["cloud_chat_content"],
            country="DE",
        ),
        set(),
        set(),
    ),
    (
        "dsa-art10-subscriber",
        dict(
            request_type="dsa_art10",
            legal_framework="eu_dsa",
            authority_kind="other",
            country="NL",
            legal_basis="Art. 126nc Wetboek van Strafvordering",
        ),
        set(),
        set(),
    ),
    # --- Emergencies (18 U.S.C. 2702(b)(8)) ---
    (
        "emergency-ok-no-document",
        dict(
            request_type="emergency",
            authority_kind="police",
            emergency=True,
            emergency_justification=JUSTIFICATION,
            emergency_attested=True,
            has_document=False,
        ),
        set(),
        {"document_later"},
    ),
    (
        "emergency-no-justification",
        dict(
            request_type="emergency",
            authority_kind="police",
            emergency=True,
            emergency_justification="urgent",
            emergency_attested=True,
        ),
        {"emergency_justification_missing"},
        set(),
    ),
    (
        "emergency-weak-justification",
        dict(
            request_type="emergency",
            authority_kind="police",
            emergency=True,
            emergency_justification="We need this information very quickly for our ongoing investigation.",
            emergency_attested=True,
        ),
        set(),
        {"emergency_justification_weak"},
    ),
    (
        "emergency-not-attested",
        dict(request_type="emergency", authority_kind="police", emergency=True, emergency_justification=JUSTIFICATION),
        {"emergency_not_attested"},
        set(),
    ),
    # --- Documents, targets, dates ---
    ("document-missing", dict(has_document=False), {"document_missing"}, set()),
    ("no-targets", dict(targets=[]), {"no_targets"}, set()),
    ("target-bad-phone", dict(targets=[("phone", "12345")]), {"target_invalid"}, set()),
    ("target-bad-username", dict(targets=[("username", "ab")]), {"target_invalid"}, set()),
    ("target-bad-user-id", dict(targets=[("user_id", "-5")]), {"target_invalid"}, set()),
    ("target-bad-link", dict(targets=[("link", "https://example.com/x")]), {"target_invalid"}, set()),
    ("target-unknown-type", dict(targets=[("email", "a@b.c")]), {"target_invalid"}, set()),
    (
        "target-duplicate-link-and-username",
        dict(targets=[("username", "@Suspect_One"), ("link", "https://t.me/suspect_one")]),
        {"target_duplicate"},
        set(),
    ),
    (
        "target-duplicate-phone-formats",
        dict(targets=[("phone", "+1 (202) 555-0143"), ("phone", "2025550143")]),
        {"target_duplicate"},
        set(),
    ),
    ("date-range-reversed", dict(date_from=date(2026, 6, 1), date_to=date(2026, 1, 1)), {"date_range_reversed"}, set()),
    ("date-range-future", dict(date_to=TODAY + timedelta(days=1)), {"date_range_future"}, set()),
    # --- Nondisclosure orders ---
    ("ndo-with-end", dict(ndo=True, ndo_until=TODAY + timedelta(days=180)), set(), set()),
    ("ndo-no-end", dict(ndo=True), {"ndo_end_missing"}, set()),
    ("ndo-past", dict(ndo=True, ndo_until=TODAY - timedelta(days=1)), {"ndo_end_past"}, set()),
    ("ndo-indefinite", dict(ndo=True, ndo_indefinite=True), set(), {"ndo_indefinite"}),
    ("ndo-both", dict(ndo=True, ndo_indefinite=True, ndo_until=TODAY + timedelta(days=3)), {"ndo_conflict"}, set()),
    # --- Preservation (18 U.S.C. 2703(f)) ---
    (
        "preservation-content",
        dict(
            request_type="preservation",
            authority_kind="police",
            data_categories=["cloud_chat_content"],
            date_from=None,
            date_to=None,
        ),
        set(),
        set(),
    ),
    ("unknown-type", dict(request_type="telepathy"), {"unknown_request_type"}, set()),
    *NEW_CASES,
]


@pytest.mark.parametrize(("overrides", "errors", "others"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_table(overrides, errors, others):
    findings = rules.validate(draft(**overrides))
    assert codes(findings, Severity.ERROR) == errors
    assert others <= codes(findings) - codes(findings, Severity.ERROR)


def test_table_is_large_enough():
    assert len(CASES) >= 40


def test_findings_carry_field_and_sentence():
    findings = rules.validate(draft(data_categories=["secret_chat_content"], targets=[("phone", "nonsense")]))
    by_code = {f.code: f for f in findings}
    assert by_code["e2ee_category"].field == "data_categories"
    assert "end-to-end encrypted" in by_code["e2ee_category"].message
    assert by_code["target_invalid"].field == "targets.0"
    assert findings[0].severity is Severity.ERROR  # errors sorted first


@pytest.mark.parametrize(
    ("id_type", "raw", "region", "kind", "value"),
    [
        ("phone", "+44 20 7946 0018", None, "phone", "+442079460018"),
        ("phone", "030 901820", "DE", "phone", "+4930901820"),
        ("username", "@Dark_Market_Admin", None, "username", "dark_market_admin"),
        ("user_id", "007734", None, "user_id", "7734"),
        ("link", "https://t.me/Some_Channel/1234", None, "username", "some_channel"),
        ("link", "t.me/+AbCdEfGh1234", None, "invite", "AbCdEfGh1234"),
        ("link", "https://telegram.me/joinchat/AbCdEfGh1234", None, "invite", "AbCdEfGh1234"),
    ],
)
def test_normalise_target(id_type, raw, region, kind, value):
    target = rules.normalise_target(id_type, raw, region)
    assert (target.kind, target.value) == (kind, value)


@pytest.mark.parametrize(
    ("rtype", "emergency", "expected"),
    [
        ("epoc", False, timedelta(days=10)),  # Reg. 2023/1543 Art. 10(2)
        ("epoc", True, timedelta(hours=8)),  # Art. 10(4)
        ("emergency", True, timedelta(hours=8)),
        ("emergency", False, timedelta(days=14)),  # downgraded: no danger stated, ordinary deadline
        ("search_warrant", False, timedelta(days=14)),  # configurable default
        ("search_warrant", True, timedelta(hours=8)),
        ("preservation", False, timedelta(days=2)),
    ],
)
def test_deadlines(rtype, emergency, expected):
    received = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert rules.due_at(rtype, received, emergency=emergency) - received == expected


def test_hold_periods():
    start = date(2026, 1, 1)
    assert rules.hold_until("preservation", start) == date(2026, 4, 1)  # 90 days, 2703(f)(2)
    assert rules.hold_extension("preservation") == timedelta(days=90)
    assert rules.hold_until("epoc_pr", start) == date(2026, 3, 2)  # 60 days, Art. 11(1)
    assert rules.hold_extension("epoc_pr") == timedelta(days=30)
    assert rules.hold_until("search_warrant", start) is None


def test_catalogue_marks_e2ee_and_content():
    assert {c for c, cat in rules.CATEGORIES.items() if cat.e2ee} == {"secret_chat_content", "call_content"}
    assert rules.NON_CONTENT == {"subscriber_info", "ip_logs", "contacts"}
    assert set(rules.PRODUCIBLE_CATEGORIES).isdisjoint({"secret_chat_content", "call_content"})
    for rtype in rules.REQUEST_TYPES.values():
        assert not rtype.compels & {"secret_chat_content", "call_content"}


def test_request_type_codes_are_the_interface():
    assert set(rules.REQUEST_TYPES) == {
        "subpoena", "court_order_2703d", "search_warrant", "court_order_other", "pen_register", "wiretap",
        "emergency", "preservation", "preservation_extension", "nsl", "mlat", "cloud_act", "epoc", "epoc_pr", "dsa_art10",
        "fisa_content", "fisa_non_content", "fisa_702", "epoc_pr_extension", "epoc_pr_confirmation",
    }  # fmt: skip


def test_rules_import_without_django():
    code = "import sys, requests_app.rules; assert 'django' not in sys.modules; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": ""}, check=False)
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize(
    ("rtype", "emergency", "policy"),
    [
        ("nsl", False, rules.NoticePolicy.NEVER_AUTOMATIC),  # 18 U.S.C. 2709(c)
        ("fisa_content", False, rules.NoticePolicy.NEVER_AUTOMATIC),  # 50 U.S.C. 1805(c)(2)(B)
        ("fisa_702", False, rules.NoticePolicy.NEVER_AUTOMATIC),  # 50 U.S.C. 1881a(i)(1)(A)
        ("wiretap", False, rules.NoticePolicy.NEVER_AUTOMATIC),  # 18 U.S.C. 2511(2)(a)(ii)
        ("pen_register", False, rules.NoticePolicy.NEVER_AUTOMATIC),  # 18 U.S.C. 3123(d)
        ("emergency", False, rules.NoticePolicy.AFTER_DANGER),
        ("search_warrant", True, rules.NoticePolicy.AFTER_DANGER),
        ("mlat", False, rules.NoticePolicy.REVIEWER_DECISION),
        ("cloud_act", False, rules.NoticePolicy.REVIEWER_DECISION),
        ("search_warrant", False, rules.NoticePolicy.AUTOMATIC),
        ("epoc", False, rules.NoticePolicy.AUTOMATIC),
    ],
)
def test_notice_policy(rtype, emergency, policy):
    assert rules.notice_policy(rtype, emergency=emergency) is policy


@pytest.mark.parametrize(
    ("framework", "country", "form"),
    [
        ("us_sca", "US", rules.CertificateForm.US_FRE_902),
        ("mlat", "BR", rules.CertificateForm.US_FRE_902),  # U.S. process obtained by the DOJ
        ("eu_eevidence", "DE", rules.CertificateForm.EU_EEVIDENCE),
        ("national", "GB", rules.CertificateForm.CUSTODIAN),  # a UK request gets no FRE 902(11)
        ("cloud_act", "GB", rules.CertificateForm.CUSTODIAN),
        ("eu_dsa", "NL", rules.CertificateForm.CUSTODIAN),
    ],
)
def test_certificate_form(framework, country, form):
    assert rules.certificate_form(framework, country) is form


@pytest.mark.parametrize(
    ("category", "identification_only", "klass"),
    [
        ("subscriber_info", False, "subscriber"),
        ("ip_logs", False, "traffic"),  # Art. 3(11)
        ("ip_logs", True, "identification"),  # Art. 3(10)
        ("contacts", False, "content"),  # Art. 3(12)
        ("contacts", True, "content"),  # only IP logs can be identification data
        ("media", False, "content"),
    ],
)
def test_eu_data_class(category, identification_only, klass):
    assert rules.eu_data_class(category, identification_only=identification_only) == klass


@pytest.mark.parametrize(
    ("rtype", "kind", "emergency", "validated", "expected"),
    [
        ("epoc", "police", True, False, True),  # Art. 4(5)
        ("epoc_pr", "police", True, False, True),
        ("epoc", "prosecutor", True, False, False),  # Art. 4(1)(a): may issue itself
        ("epoc", "police", True, True, False),  # already validated
        ("epoc", "police", False, False, False),
        ("search_warrant", "police", True, False, False),
    ],
)
def test_ex_post_validation(rtype, kind, emergency, validated, expected):
    assert (
        rules.epoc_needs_ex_post_validation(rtype, kind, emergency=emergency, judicial_validation=validated) is expected
    )


@pytest.mark.parametrize(
    ("rtype", "categories", "identification_only", "domestic", "expected"),
    [
        ("epoc", ["subscriber_info"], False, False, False),
        ("epoc", ["ip_logs"], True, False, False),
        ("epoc", ["ip_logs"], False, False, True),  # Art. 8(1): traffic data
        ("epoc", ["media"], False, False, True),
        ("epoc", ["media"], False, True, False),  # Art. 8(2): offence and person in the issuing State
        ("epoc", ["ip_logs"], False, True, False),
        ("epoc_pr", ["media"], False, False, False),  # preservation: no notification
    ],
)
def test_enforcing_state_notification(rtype, categories, identification_only, domestic, expected):
    assert (
        rules.epoc_needs_notification(
            rtype, categories, identification_only=identification_only, domestic_exception=domestic
        )
        is expected
    )


@pytest.mark.parametrize(
    ("rtype", "declared", "code", "severity"),
    [
        ("epoc", True, "epoc_domestic_exception", rules.Severity.INFO),
        ("epoc", False, None, None),
        ("search_warrant", True, "domestic_exception_not_epoc", rules.Severity.ERROR),
    ],
)
def test_art_8_2_declaration_findings(rtype, declared, code, severity):
    eu = rtype == "epoc"
    d = draft(
        request_type=rtype, legal_framework="eu_eevidence" if eu else "us_sca", country="DE" if eu else "US",
        data_categories=["media"], date_from=date(2026, 9, 1), date_to=date(2026, 11, 30),
        today=date(2026, 12, 3), epoc_domestic_exception=declared,
    )  # fmt: skip
    found = {f.code: f.severity for f in rules.validate(d)}
    relevant = {c: s for c, s in found.items() if c in {"epoc_domestic_exception", "domestic_exception_not_epoc"}}
    assert relevant == ({code: severity} if code else {})


def test_every_rule_message_is_a_sentence():
    """Refusals are for people: every finding the table produces ends as a sentence."""
    for _, overrides, _, _ in CASES:
        for finding in rules.validate(draft(**overrides)):
            assert finding.message.rstrip().endswith((".", ")")), finding
