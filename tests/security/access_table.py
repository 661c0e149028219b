"""Who may reach each URL: the expected-access table of the authorization matrix.

test_authorization_matrix.py walks Django's URL resolver and requests every
pattern as every persona, GET and POST, with path parameters filled with real
objects of agency A and of agency B. It fails when a pattern has no row here.

HOW TO ADD A ROW (one line per URL name, "namespace:name" as in `reverse()`):

    "transparency:log_checkpoint": PUBLIC,

The value is one audience below. Pick the narrowest that is true:

    PUBLIC      anyone, signed in or not (public pages, health check)
    ACCOUNTS    allauth's own sign-in / enrolment / re-authentication pages:
                requested (no 500) but their redirects are allauth's business
    OFFICER     officers of a verified agency with a 2FA session, own agency's objects only
    SHARED      staff and, for their own agency's objects, officers (e.g. a package page)
    STAFF       reviewer, supervisor, admin (legal team) with a 2FA session
    SUPERVISOR  supervisor and admin only
    OPERATOR    the Django admin: platform operators (is_staff) with a 2FA session
    TOKEN       the REST API: a bearer token only; no browser session opens it

If the URL's path parameters are new names (not in FILLERS of the test), add a
filler there: a function of the agency's objects giving the parameter's value.
"""

from __future__ import annotations

PUBLIC = "public"
ACCOUNTS = "accounts"
OFFICER = "officer"
SHARED = "shared"
STAFF = "staff"
SUPERVISOR = "supervisor"
OPERATOR = "operator"
TOKEN = "token"

# Personas that may reach each audience (see test_authorization_matrix.PERSONAS).
# Officers reach only their own agency's objects: checked by the test with agency B's objects.
ALLOWED = {
    PUBLIC: {"anonymous", "officer_a", "officer_b", "pending", "password_officer", "password_supervisor", "reviewer", "supervisor", "admin"},
    OFFICER: {"officer_a", "officer_b"},
    SHARED: {"officer_a", "officer_b", "reviewer", "supervisor", "admin"},
    STAFF: {"reviewer", "supervisor", "admin"},
    SUPERVISOR: {"supervisor", "admin"},
    OPERATOR: {"admin"},
    TOKEN: set(),
}  # fmt: skip

# Prefixes whose every URL shares one audience (the Django admin's ~150 generated views,
# allauth's pages). A name listed in EXPECTED wins over its prefix.
PREFIXES = {
    "admin:": OPERATOR,
    "admin/": OPERATOR,
    "accounts/": ACCOUNTS,
}

EXPECTED: dict[str, str] = {
    # shared
    "home": PUBLIC,
    "healthz": PUBLIC,
    # REST API (token authentication only)
    "api_requests": TOKEN,
    "api_dry_run": TOKEN,
    "api_request": TOKEN,
    "api_timeline": TOKEN,
    "api_messages": TOKEN,
    "api_documents": TOKEN,
    "api_answer": TOKEN,
    "api_withdraw": TOKEN,
    "api_schema": PUBLIC,
    "api_docs": PUBLIC,
    # law-enforcement portal
    "intake:index": OFFICER,
    "intake:request_list": OFFICER,
    "intake:request_new": OFFICER,
    "intake:request_check": OFFICER,
    "intake:request_detail": OFFICER,
    "intake:message_create": OFFICER,
    "intake:document_create": OFFICER,
    "intake:document_download": OFFICER,
    "intake:request_answer": OFFICER,
    "intake:request_withdraw": OFFICER,
    "intake:tokens": OFFICER,
    "intake:token_revoke": OFFICER,
    # agency verification
    "agencies:list": SUPERVISOR,
    "agencies:officers": SUPERVISOR,
    "agencies:agency_action": SUPERVISOR,
    "agencies:officer_action": SUPERVISOR,
    # legal review
    "review:queue": STAFF,
    "review:request": STAFF,
    "review:audit": STAFF,
    "review:document": STAFF,
    "review:assign": STAFF,
    "review:start": STAFF,
    "review:verify": STAFF,
    "review:info": STAFF,
    "review:resume": STAFF,
    "review:reject": STAFF,
    "review:decide": STAFF,
    "review:approve_decision": SUPERVISOR,
    "review:approve": STAFF,
    "review:message": STAFF,
    # production
    "production:request": SHARED,
    "production:start": STAFF,
    "production:ndo_lift": STAFF,
    "production:progress": SHARED,
    "production:download": OFFICER,
    "production:holds": STAFF,
    "production:hold_extend": STAFF,
    "production:notices": STAFF,
    # transparency
    "transparency:index": PUBLIC,
    "transparency:methodology": PUBLIC,
    "transparency:key": PUBLIC,
    "transparency:country": PUBLIC,
    "transparency:manage": STAFF,
    "transparency:draft": STAFF,
    "transparency:publish": SUPERVISOR,
    "transparency:report": PUBLIC,
    "transparency:report_version": PUBLIC,
    "transparency:json": PUBLIC,
    "transparency:csv": PUBLIC,
    "transparency:pdf": PUBLIC,
    "transparency:dsa": PUBLIC,
}


def audience(name: str, route: str) -> str | None:
    if name in EXPECTED:
        return EXPECTED[name]
    for prefix, value in PREFIXES.items():
        if name.startswith(prefix) or route.startswith(prefix):
            return value
    return None
