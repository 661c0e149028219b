"""Who may reach what: the expected outcome of every URL for every persona, GET and POST.

Read by tests/security/test_access_matrix.py, which walks Django's URL resolver and fails for a URL that has
no row here (and for a row whose URL is gone). A new URL therefore needs a row, written by someone who has
decided who may use it.

Each row maps every persona to (outcome of GET, outcome of POST). The POST carries no data: an allowed POST
usually answers "invalid" or "redirect" (form errors, or an action refused by a service with a message);
refused ones must change nothing in the database.

Personas (tests/security/matrix_data.py):
  anonymous      no session
  officer_a/b    active officers of verified agencies A and B, session verified with a second factor,
                 each with an API token (sent on every request; only /api/ reads it)
  pending        an officer of agency A whose account awaits verification (had a session and a token)
  pw_officer     officer A's account, in a session that passed the password only (no second factor yet)
  pw_supervisor  a supervisor's account, likewise
  reviewer       legal reviewer, holding the CyberTipline role
  supervisor     legal supervisor (no CyberTipline role)
  admin          platform admin role, Django superuser (the only persona with the Django admin)

For URLs about one agency's data (a request, its documents, its package, a hold, a token, the agency or its
officer) the row describes agency A's object; the matrix also tries agency B's object with officer_a and
officer_b swapped.

Outcome classes:
  ok                  2xx
  redirect            3xx anywhere but sign-in or the second factor (e.g. back to the page after an action)
  redirect-login      3xx to /accounts/login/ or /admin/login/
  redirect-2fa        3xx to the second factor (re-authenticate with the authenticator, or enrol one)
  forbidden/404       401, 403 or 404 (this portal answers 404 where a 403 would reveal that something exists)
  method-not-allowed  405
  invalid             400 (allowed, but the empty POST is not valid)
"""

from __future__ import annotations

from tests.security.matrix_data import PERSONAS

OK = "ok"
REDIRECT = "redirect"
LOGIN = "redirect-login"
TWO_FA = "redirect-2fa"
DENIED = "forbidden/404"
NOT_ALLOWED = "method-not-allowed"
INVALID = "invalid"
GONE = "gone"

# Outcomes that refuse the request: such a cell must not change the database.
REFUSED = frozenset({LOGIN, TWO_FA, DENIED, NOT_ALLOWED})

Cell = tuple[str, str]  # (GET, POST)
_L: Cell = (LOGIN, LOGIN)
_F: Cell = (TWO_FA, TWO_FA)
_D: Cell = (DENIED, DENIED)


# Who reaches the view's method check (require_GET / require_POST) before its access check:
#   "first"       the method decorator is outermost: anyone the middleware lets through gets 405
#   "after_login" the login / second-factor check comes first: anyone signed in with a second factor gets 405
_METHOD_FIRST = {
    "first": ("anonymous", "officer_a", "officer_b", "reviewer", "supervisor", "admin"),
    "after_login": ("officer_a", "officer_b", "reviewer", "supervisor", "admin"),
    "": (),
}


def _row(default: Cell, **cells: Cell) -> dict[str, Cell]:
    unknown = set(cells) - set(PERSONAS)
    assert not unknown, f"no such persona: {unknown}"
    row = dict.fromkeys(PERSONAS, default)
    row.update(cells)
    return row


def _methods(row: dict[str, Cell], get: str, post: str, method: str) -> dict[str, Cell]:
    for persona in _METHOD_FIRST[method]:
        g, p = row[persona]
        row[persona] = (NOT_ALLOWED if get == NOT_ALLOWED else g, NOT_ALLOWED if post == NOT_ALLOWED else p)
    return row


def public(get: str, post: str, **over: Cell) -> dict[str, Cell]:
    """Anyone. A pending officer's session is ended on every request (AccountStateMiddleware): to sign in."""
    return {**_row((get, post), pending=_L), **over}


def officer(get: str, post: str, *, other: Cell, **over: Cell) -> dict[str, Cell]:
    """The law-enforcement portal: active officers with a second factor; officer_b gets `other` (A's object).
    Staff are not officers (403); sessions without a second factor go to it; anonymous to sign in."""
    base = dict(anonymous=_L, officer_a=(get, post), officer_b=other, pending=_L, pw_officer=_F, pw_supervisor=_F)
    return {**_row(_D, **base), **over}


def api(get: str, post: str, *, other: Cell, **over: Cell) -> dict[str, Cell]:
    """The API: a token of an active officer, nothing else (no session, so staff and password-only sessions
    get 401). The pending officer's request still carries a session, which is ended first: to sign in."""
    return {**_row(_D, officer_a=(get, post), officer_b=other, pending=_L), **over}


def staff(get: str, post: str, method: str = "", *, refused: tuple[str, ...] = (), **over: Cell) -> dict[str, Cell]:
    """The legal team (reviewer, supervisor, admin) with a second factor; `refused` staff are turned away like
    officers (403/404). Sessions without a second factor go to it; anonymous to sign in."""
    row = _row((get, post), anonymous=_L, officer_a=_D, officer_b=_D, pending=_L, pw_officer=_F, pw_supervisor=_F)
    for persona in refused:
        row[persona] = _D
    return {**_methods(row, get, post, method), **over}


def supervisors(get: str, post: str, method: str = "", **over: Cell) -> dict[str, Cell]:
    """Legal supervisors (and admins) only; reviewers are refused like officers."""
    return staff(get, post, method, refused=("reviewer",), **over)


def register(get: str, post: str, method: str = "", **over: Cell) -> dict[str, Cell]:
    """The CyberTipline register: staff holding the CyberTipline role (the reviewer here; the admin is a
    superuser); a supervisor without the role gets 403."""
    return staff(get, post, method, refused=("supervisor",), **over)


def admin_site(get: str, post: str, **over: Cell) -> dict[str, Cell]:
    """The Django admin: superusers with a second factor. Everyone else is sent to the admin's sign-in;
    sessions without a second factor to the second factor."""
    return {**_row(_L, pw_officer=_F, pw_supervisor=_F, admin=(get, post)), **over}


def expected(key: str, persona: str, method: str, variant: str) -> str:
    row = TABLE.get(key)
    assert row is not None, f"{key} has no row in tests/security/access_table.py: decide who may use it"
    if variant == "b":  # agency B's object: the two agencies' officers trade places
        persona = {"officer_a": "officer_b", "officer_b": "officer_a"}.get(persona, persona)
    return row[persona][0 if method == "GET" else 1]


TABLE: dict[str, dict[str, Cell]] = {
    # --- Public pages
    "home": public(OK, NOT_ALLOWED, pw_officer=(TWO_FA, TWO_FA), pw_supervisor=(TWO_FA, TWO_FA)),
    "healthz": public(OK, NOT_ALLOWED),
    # The language switcher (Django's set_language): back to the page, the choice in a cookie; open to a
    # session without a second factor (it changes nothing but the cookie).
    "set_language": public(REDIRECT, REDIRECT),
    # --- Sign-in, enrolment, account pages (allauth). A session without a second factor may finish signing in,
    # sign out or reset a password; it may not change the e-mail, password, authenticator or recovery codes.
    # The status page of a pending officer (what happens next): public, shows nothing of anyone's data.
    "account_pending": public(OK, NOT_ALLOWED),
    "account_login": public(
        OK,
        OK,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(REDIRECT, REDIRECT),
        pw_supervisor=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "account_logout": public(
        REDIRECT,
        REDIRECT,
        officer_a=(OK, REDIRECT),
        officer_b=(OK, REDIRECT),
        pw_officer=(OK, REDIRECT),
        pw_supervisor=(OK, REDIRECT),
        reviewer=(OK, REDIRECT),
        supervisor=(OK, REDIRECT),
        admin=(OK, REDIRECT),
    ),
    "account_inactive": public(OK, NOT_ALLOWED),
    "account_signup": public(
        OK,
        OK,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(REDIRECT, REDIRECT),
        pw_supervisor=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "account_reauthenticate": public(
        LOGIN,
        LOGIN,
        officer_a=(OK, OK),
        officer_b=(OK, OK),
        pw_officer=(OK, OK),
        pw_supervisor=(OK, OK),
        reviewer=(OK, OK),
        supervisor=(OK, OK),
        admin=(OK, OK),
    ),
    "account_email": public(
        LOGIN,
        LOGIN,
        officer_a=(OK, REDIRECT),
        officer_b=(OK, REDIRECT),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(OK, REDIRECT),
        supervisor=(OK, REDIRECT),
        admin=(OK, REDIRECT),
    ),
    "account_email_verification_sent": public(OK, NOT_ALLOWED),
    "account_change_password": public(
        LOGIN,
        LOGIN,
        officer_a=(OK, OK),
        officer_b=(OK, OK),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(OK, OK),
        supervisor=(OK, OK),
        admin=(OK, OK),
    ),
    "account_set_password": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "account_reset_password": public(OK, OK),
    "account_confirm_login_code": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(REDIRECT, REDIRECT),
        pw_supervisor=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "account_confirm_email": public(OK, DENIED),
    "account_reset_password_from_key_done": public(OK, NOT_ALLOWED),
    "account_reset_password_from_key": public(OK, OK),
    "account_reset_password_done": public(OK, NOT_ALLOWED),
    "mfa_index": public(
        LOGIN,
        LOGIN,
        officer_a=(OK, NOT_ALLOWED),
        officer_b=(OK, NOT_ALLOWED),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(OK, NOT_ALLOWED),
        supervisor=(OK, NOT_ALLOWED),
        admin=(OK, NOT_ALLOWED),
    ),
    "mfa_authenticate": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(REDIRECT, REDIRECT),
        pw_supervisor=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "mfa_reauthenticate": public(
        LOGIN,
        LOGIN,
        officer_a=(OK, OK),
        officer_b=(OK, OK),
        pw_officer=(OK, OK),
        pw_supervisor=(OK, OK),
        reviewer=(OK, OK),
        supervisor=(OK, OK),
        admin=(OK, OK),
    ),
    "mfa_activate_totp": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(REDIRECT, REDIRECT),
        pw_supervisor=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "mfa_deactivate_totp": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "mfa_view_recovery_codes": public(
        LOGIN,
        LOGIN,
        officer_a=(DENIED, NOT_ALLOWED),
        officer_b=(DENIED, NOT_ALLOWED),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(DENIED, NOT_ALLOWED),
        supervisor=(DENIED, NOT_ALLOWED),
        admin=(DENIED, NOT_ALLOWED),
    ),
    "mfa_generate_recovery_codes": public(
        LOGIN,
        LOGIN,
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "mfa_download_recovery_codes": public(
        LOGIN,
        LOGIN,
        officer_a=(DENIED, DENIED),
        officer_b=(DENIED, DENIED),
        pw_officer=(TWO_FA, TWO_FA),
        pw_supervisor=(TWO_FA, TWO_FA),
        reviewer=(DENIED, DENIED),
        supervisor=(DENIED, DENIED),
        admin=(DENIED, DENIED),
    ),
    # --- API: token of an active officer only; the schema and its docs are public
    "api_requests": api(OK, INVALID, other=(OK, INVALID)),
    "api_dry_run": api(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, INVALID)),
    "api_request": api(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "api_timeline": api(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "api_messages": api(OK, INVALID, other=(DENIED, DENIED)),
    "api_documents": api(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, DENIED)),
    "api_answer": api(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, DENIED)),
    "api_receipts": api(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "api_withdraw": api(NOT_ALLOWED, OK, other=(NOT_ALLOWED, DENIED)),
    "api_packages": api(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "api_package_download": api(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "api_schema": public(OK, NOT_ALLOWED),
    "api_docs": public(OK, NOT_ALLOWED),
    "api_guide": public(OK, NOT_ALLOWED),
    # --- The law-enforcement portal (/le/)
    "intake:index": officer(
        REDIRECT,
        REDIRECT,
        other=(REDIRECT, REDIRECT),
        anonymous=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
        admin=(REDIRECT, REDIRECT),
    ),
    "intake:request_list": officer(OK, OK, other=(OK, OK)),
    "intake:request_new": officer(OK, INVALID, other=(OK, INVALID)),
    "intake:request_check": officer(NOT_ALLOWED, OK, other=(NOT_ALLOWED, OK)),
    "intake:request_detail": officer(OK, OK, other=(DENIED, DENIED)),
    "intake:message_create": officer(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, DENIED)),
    "intake:document_create": officer(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, DENIED)),
    "intake:document_download": officer(OK, OK, other=(DENIED, DENIED)),
    "intake:receipt_download": officer(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "intake:request_answer": officer(NOT_ALLOWED, INVALID, other=(NOT_ALLOWED, DENIED)),
    "intake:request_withdraw": officer(NOT_ALLOWED, REDIRECT, other=(NOT_ALLOWED, DENIED)),
    "intake:tokens": officer(OK, OK, other=(OK, OK)),
    # A draft is its officer's own: another agency's officer gets 404 (a colleague too; tests/intake/test_drafts.py).
    "intake:draft_resume": officer(OK, NOT_ALLOWED, other=(DENIED, NOT_ALLOWED)),
    "intake:draft_delete": officer(NOT_ALLOWED, REDIRECT, other=(NOT_ALLOWED, DENIED)),
    "intake:token_revoke": officer(NOT_ALLOWED, REDIRECT, other=(NOT_ALLOWED, DENIED)),
    # --- Legal supervisors: agencies and officers (/legal/agencies/)
    "agencies:list": supervisors(OK, OK),
    "agencies:officers": supervisors(OK, OK),
    "agencies:agency_action": supervisors(NOT_ALLOWED, REDIRECT),
    "agencies:officer_action": supervisors(NOT_ALLOWED, REDIRECT),
    # --- CyberTipline register (/legal/cybertipline/)
    "cybertipline:register": register(OK, NOT_ALLOWED, "first"),
    "cybertipline:new": register(OK, OK),
    "cybertipline:eu_annual": register(OK, NOT_ALLOWED, "first"),
    "cybertipline:report": register(OK, NOT_ALLOWED, "first"),
    "cybertipline:review": register(NOT_ALLOWED, REDIRECT, "first"),
    "cybertipline:submit": register(NOT_ALLOWED, REDIRECT, "first"),
    "cybertipline:retract": register(NOT_ALLOWED, REDIRECT, "first"),
    "cybertipline:link": register(NOT_ALLOWED, REDIRECT, "first"),
    "cybertipline:file": register(OK, NOT_ALLOWED, "first"),
    "cybertipline:hold_extend": register(NOT_ALLOWED, REDIRECT, "first"),
    # --- Legal workspace (/legal/)
    "review:queue": staff(OK, NOT_ALLOWED, "first"),
    "review:request": staff(OK, NOT_ALLOWED, "first"),
    "review:audit": staff(OK, NOT_ALLOWED, "first"),
    "review:document": staff(OK, NOT_ALLOWED, "first"),
    "review:assign": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:dsa_classify": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:start": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:verify": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:info": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:resume": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:reject": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:decide": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:approve_decision": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:approve": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:message": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:note": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:epoc_validation": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:enforcing_state": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:danger_over": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:notice_decision": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:ndo": staff(NOT_ALLOWED, REDIRECT, "first"),  # supervisors only: the service refuses, with a message
    "review:change_decision": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:bulk_assign": staff(NOT_ALLOWED, REDIRECT, "first"),
    "review:saved_view_create": staff(NOT_ALLOWED, REDIRECT, "first"),
    # The reviewer's own saved view: anyone else's answers 404.
    "review:saved_view_delete": staff(
        NOT_ALLOWED, REDIRECT, "first", supervisor=(NOT_ALLOWED, DENIED), admin=(NOT_ALLOWED, DENIED)
    ),
    # --- Production: staff run it; officers of the requesting agency see their packages and download them
    "production:request": staff(OK, NOT_ALLOWED, "after_login", officer_a=(OK, NOT_ALLOWED)),
    "production:start": staff(NOT_ALLOWED, REDIRECT, "after_login"),
    "production:ndo_lift": staff(
        NOT_ALLOWED, DENIED, "after_login", supervisor=(NOT_ALLOWED, REDIRECT), admin=(NOT_ALLOWED, REDIRECT)
    ),
    # The requesting agency's officers (uploading the signed order) and legal supervisors; reviewers 403.
    "production:ndo_record": staff(
        NOT_ALLOWED, REDIRECT, "after_login", officer_a=(NOT_ALLOWED, REDIRECT), reviewer=(NOT_ALLOWED, DENIED)
    ),
    # Custodians of records only (production.sign_certificate; the admin is a superuser): others 403.
    "production:certificate_sign": staff(NOT_ALLOWED, DENIED, "after_login", admin=(NOT_ALLOWED, REDIRECT)),
    "production:hold_release": supervisors(NOT_ALLOWED, REDIRECT, "after_login"),
    "production:progress": staff(OK, NOT_ALLOWED, "after_login", officer_a=(OK, NOT_ALLOWED)),
    "production:download": staff(DENIED, NOT_ALLOWED, "after_login", officer_a=(OK, NOT_ALLOWED)),
    "production:holds": staff(OK, NOT_ALLOWED, officer_a=(OK, NOT_ALLOWED), officer_b=(OK, NOT_ALLOWED)),
    "production:hold_extend": staff(NOT_ALLOWED, REDIRECT, "after_login"),
    "production:notices": staff(OK, NOT_ALLOWED, "after_login"),
    # --- Transparency: public reports; supervisors build and publish them
    "transparency:index": public(OK, NOT_ALLOWED),
    "transparency:methodology": public(OK, NOT_ALLOWED),
    "transparency:key": public(OK, NOT_ALLOWED),
    "transparency:log_checkpoint": public(OK, NOT_ALLOWED),
    "transparency:log_key": public(OK, NOT_ALLOWED),
    "transparency:log_consistency": public(INVALID, NOT_ALLOWED),
    "transparency:log_inclusion": public(INVALID, NOT_ALLOWED),
    "transparency:key_pem": public(OK, NOT_ALLOWED),
    "transparency:index_json": public(OK, NOT_ALLOWED),
    "transparency:country_pick": public(DENIED, NOT_ALLOWED),
    "transparency:country": public(OK, NOT_ALLOWED),
    "transparency:country_csv": public(OK, NOT_ALLOWED),
    "transparency:manage": supervisors(OK, REDIRECT, anonymous=(DENIED, DENIED)),
    "transparency:draft": supervisors(OK, NOT_ALLOWED, "first", anonymous=(DENIED, NOT_ALLOWED)),
    "transparency:publish": supervisors(NOT_ALLOWED, REDIRECT, "first", anonymous=(NOT_ALLOWED, DENIED)),
    "transparency:report": public(OK, NOT_ALLOWED),
    "transparency:report_version": public(OK, NOT_ALLOWED),
    "transparency:json": public(OK, NOT_ALLOWED),
    "transparency:csv": public(OK, NOT_ALLOWED),
    "transparency:pdf": public(OK, NOT_ALLOWED),
    "transparency:dsa": public(OK, NOT_ALLOWED),
    # --- Django admin: superusers only. Evidence is read-only (add/delete refused, change pages only show).
    # Objects' bare URLs redirect to their change page.
    "admin:index": admin_site(OK, OK),
    "admin:login": admin_site(
        REDIRECT,
        OK,
        officer_a=(DENIED, DENIED),
        officer_b=(DENIED, DENIED),
        reviewer=(DENIED, DENIED),
        supervisor=(DENIED, DENIED),
    ),
    "admin:logout": admin_site(
        NOT_ALLOWED,
        OK,
        anonymous=(REDIRECT, REDIRECT),
        officer_a=(REDIRECT, REDIRECT),
        officer_b=(REDIRECT, REDIRECT),
        reviewer=(REDIRECT, REDIRECT),
        supervisor=(REDIRECT, REDIRECT),
    ),
    "admin:password_change": admin_site(OK, OK),
    "admin:password_change_done": admin_site(OK, NOT_ALLOWED),
    "admin:autocomplete": admin_site(DENIED, NOT_ALLOWED),
    "admin:jsi18n": admin_site(OK, NOT_ALLOWED),
    "admin:view_on_site": admin_site(DENIED, DENIED),
    "admin:auth_group_changelist": admin_site(OK, OK),
    "admin:auth_group_add": admin_site(OK, OK),
    "admin:auth_group_history": admin_site(OK, OK),
    "admin:auth_group_delete": admin_site(OK, OK),
    "admin:auth_group_change": admin_site(OK, OK),
    "admin/auth/group/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:auth_user_password_change": admin_site(OK, OK),
    "admin:auth_user_changelist": admin_site(OK, OK),
    "admin:auth_user_add": admin_site(OK, OK),
    "admin:auth_user_history": admin_site(OK, OK),
    "admin:auth_user_delete": admin_site(OK, OK),
    "admin:auth_user_change": admin_site(OK, OK),
    "admin/auth/user/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:account_emailaddress_changelist": admin_site(OK, OK),
    "admin:account_emailaddress_add": admin_site(OK, OK),
    "admin:account_emailaddress_history": admin_site(OK, OK),
    "admin:account_emailaddress_delete": admin_site(OK, OK),
    "admin:account_emailaddress_change": admin_site(OK, OK),
    "admin/account/emailaddress/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:mfa_authenticator_changelist": admin_site(OK, OK),
    "admin:mfa_authenticator_add": admin_site(OK, OK),
    "admin:mfa_authenticator_history": admin_site(OK, OK),
    "admin:mfa_authenticator_delete": admin_site(OK, OK),
    "admin:mfa_authenticator_change": admin_site(OK, OK),
    "admin/mfa/authenticator/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:axes_accessattempt_changelist": admin_site(OK, OK),
    "admin:axes_accessattempt_add": admin_site(DENIED, DENIED),
    "admin:axes_accessattempt_history": admin_site(OK, OK),
    "admin:axes_accessattempt_delete": admin_site(OK, OK),
    "admin:axes_accessattempt_change": admin_site(OK, REDIRECT),
    "admin/axes/accessattempt/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:axes_accesslog_changelist": admin_site(OK, OK),
    "admin:axes_accesslog_add": admin_site(DENIED, DENIED),
    "admin:axes_accesslog_history": admin_site(OK, OK),
    "admin:axes_accesslog_delete": admin_site(OK, OK),
    "admin:axes_accesslog_change": admin_site(OK, REDIRECT),
    "admin/axes/accesslog/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:axes_accessfailurelog_changelist": admin_site(OK, OK),
    "admin:axes_accessfailurelog_add": admin_site(DENIED, DENIED),
    "admin:axes_accessfailurelog_history": admin_site(OK, OK),
    "admin:axes_accessfailurelog_delete": admin_site(OK, OK),
    "admin:axes_accessfailurelog_change": admin_site(OK, REDIRECT),
    "admin/axes/accessfailurelog/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:django_celery_beat_periodictask_changelist": admin_site(OK, OK),
    "admin:django_celery_beat_periodictask_add": admin_site(OK, OK),
    "admin:django_celery_beat_periodictask_history": admin_site(OK, OK),
    "admin:django_celery_beat_periodictask_delete": admin_site(OK, OK),
    "admin:django_celery_beat_periodictask_change": admin_site(OK, OK),
    "admin/django_celery_beat/periodictask/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:django_celery_beat_clockedschedule_changelist": admin_site(OK, OK),
    "admin:django_celery_beat_clockedschedule_add": admin_site(OK, OK),
    "admin:django_celery_beat_clockedschedule_history": admin_site(OK, OK),
    "admin:django_celery_beat_clockedschedule_delete": admin_site(OK, OK),
    "admin:django_celery_beat_clockedschedule_change": admin_site(OK, OK),
    "admin/django_celery_beat/clockedschedule/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:django_celery_beat_crontabschedule_changelist": admin_site(OK, OK),
    "admin:django_celery_beat_crontabschedule_add": admin_site(OK, OK),
    "admin:django_celery_beat_crontabschedule_history": admin_site(OK, OK),
    "admin:django_celery_beat_crontabschedule_delete": admin_site(OK, OK),
    "admin:django_celery_beat_crontabschedule_change": admin_site(OK, OK),
    "admin/django_celery_beat/crontabschedule/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:django_celery_beat_solarschedule_changelist": admin_site(OK, OK),
    "admin:django_celery_beat_solarschedule_add": admin_site(OK, OK),
    "admin:django_celery_beat_solarschedule_history": admin_site(OK, OK),
    "admin:django_celery_beat_solarschedule_delete": admin_site(OK, OK),
    "admin:django_celery_beat_solarschedule_change": admin_site(OK, OK),
    "admin/django_celery_beat/solarschedule/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:django_celery_beat_intervalschedule_changelist": admin_site(OK, OK),
    "admin:django_celery_beat_intervalschedule_add": admin_site(OK, OK),
    "admin:django_celery_beat_intervalschedule_history": admin_site(OK, OK),
    "admin:django_celery_beat_intervalschedule_delete": admin_site(OK, OK),
    "admin:django_celery_beat_intervalschedule_change": admin_site(OK, OK),
    "admin/django_celery_beat/intervalschedule/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_agency_changelist": admin_site(OK, OK),
    "admin:requests_app_agency_add": admin_site(OK, OK),
    "admin:requests_app_agency_history": admin_site(OK, OK),
    "admin:requests_app_agency_delete": admin_site(OK, OK),
    "admin:requests_app_agency_change": admin_site(OK, OK),
    "admin/requests_app/agency/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_officer_changelist": admin_site(OK, OK),
    "admin:requests_app_officer_add": admin_site(OK, OK),
    "admin:requests_app_officer_history": admin_site(OK, OK),
    "admin:requests_app_officer_delete": admin_site(OK, OK),
    "admin:requests_app_officer_change": admin_site(OK, OK),
    "admin/requests_app/officer/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_legalrequest_changelist": admin_site(OK, OK),
    "admin:requests_app_legalrequest_add": admin_site(DENIED, DENIED),
    "admin:requests_app_legalrequest_history": admin_site(OK, OK),
    "admin:requests_app_legalrequest_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_legalrequest_change": admin_site(OK, DENIED),
    "admin/requests_app/legalrequest/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_document_changelist": admin_site(OK, OK),
    "admin:requests_app_document_add": admin_site(DENIED, DENIED),
    "admin:requests_app_document_history": admin_site(OK, OK),
    "admin:requests_app_document_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_document_change": admin_site(OK, DENIED),
    "admin/requests_app/document/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_decision_changelist": admin_site(OK, OK),
    "admin:requests_app_decision_add": admin_site(DENIED, DENIED),
    "admin:requests_app_decision_history": admin_site(OK, OK),
    "admin:requests_app_decision_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_decision_change": admin_site(OK, DENIED),
    "admin/requests_app/decision/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_message_changelist": admin_site(OK, OK),
    "admin:requests_app_message_add": admin_site(DENIED, DENIED),
    "admin:requests_app_message_history": admin_site(OK, OK),
    "admin:requests_app_message_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_message_change": admin_site(OK, DENIED),
    "admin/requests_app/message/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_requestevent_changelist": admin_site(OK, OK),
    "admin:requests_app_requestevent_add": admin_site(DENIED, DENIED),
    "admin:requests_app_requestevent_history": admin_site(OK, OK),
    "admin:requests_app_requestevent_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_requestevent_change": admin_site(OK, DENIED),
    "admin/requests_app/requestevent/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:requests_app_followup_changelist": admin_site(OK, OK),
    "admin:requests_app_followup_add": admin_site(DENIED, DENIED),
    "admin:requests_app_followup_history": admin_site(OK, OK),
    "admin:requests_app_followup_delete": admin_site(DENIED, DENIED),
    "admin:requests_app_followup_change": admin_site(OK, DENIED),
    "admin/requests_app/followup/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:production_production_changelist": admin_site(OK, OK),
    "admin:production_production_add": admin_site(DENIED, DENIED),
    "admin:production_production_history": admin_site(OK, OK),
    "admin:production_production_delete": admin_site(DENIED, DENIED),
    "admin:production_production_change": admin_site(OK, DENIED),
    "admin/production/production/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:production_productiondownload_changelist": admin_site(OK, OK),
    "admin:production_productiondownload_add": admin_site(DENIED, DENIED),
    "admin:production_productiondownload_history": admin_site(OK, OK),
    "admin:production_productiondownload_delete": admin_site(DENIED, DENIED),
    "admin:production_productiondownload_change": admin_site(OK, DENIED),
    "admin/production/productiondownload/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:production_preservationhold_changelist": admin_site(OK, OK),
    "admin:production_preservationhold_add": admin_site(DENIED, DENIED),
    "admin:production_preservationhold_history": admin_site(OK, OK),
    "admin:production_preservationhold_delete": admin_site(DENIED, DENIED),
    "admin:production_preservationhold_change": admin_site(OK, DENIED),
    "admin/production/preservationhold/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:production_usernotice_changelist": admin_site(OK, OK),
    "admin:production_usernotice_add": admin_site(DENIED, DENIED),
    "admin:production_usernotice_history": admin_site(OK, OK),
    "admin:production_usernotice_delete": admin_site(DENIED, DENIED),
    "admin:production_usernotice_change": admin_site(OK, DENIED),
    "admin/production/usernotice/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:cybertipline_cybertipreport_changelist": admin_site(OK, OK),
    "admin:cybertipline_cybertipreport_add": admin_site(DENIED, DENIED),
    "admin:cybertipline_cybertipreport_history": admin_site(OK, OK),
    "admin:cybertipline_cybertipreport_delete": admin_site(DENIED, DENIED),
    "admin:cybertipline_cybertipreport_change": admin_site(OK, DENIED),
    "admin/cybertipline/cybertipreport/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:cybertipline_reportedaccount_changelist": admin_site(OK, OK),
    "admin:cybertipline_reportedaccount_add": admin_site(DENIED, DENIED),
    "admin:cybertipline_reportedaccount_history": admin_site(OK, OK),
    "admin:cybertipline_reportedaccount_delete": admin_site(DENIED, DENIED),
    "admin:cybertipline_reportedaccount_change": admin_site(OK, DENIED),
    "admin/cybertipline/reportedaccount/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:cybertipline_reportfile_changelist": admin_site(OK, OK),
    "admin:cybertipline_reportfile_add": admin_site(DENIED, DENIED),
    "admin:cybertipline_reportfile_history": admin_site(OK, OK),
    "admin:cybertipline_reportfile_delete": admin_site(DENIED, DENIED),
    "admin:cybertipline_reportfile_change": admin_site(OK, DENIED),
    "admin/cybertipline/reportfile/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:transparency_report_changelist": admin_site(OK, OK),
    "admin:transparency_report_add": admin_site(DENIED, DENIED),
    "admin:transparency_report_history": admin_site(OK, OK),
    "admin:transparency_report_delete": admin_site(DENIED, DENIED),
    "admin:transparency_report_change": admin_site(OK, DENIED),
    "admin/transparency/report/<path:object_id>/": admin_site(REDIRECT, REDIRECT),
    "admin:app_list": admin_site(OK, OK),
    "admin/(?P<url>.*)$": admin_site(DENIED, DENIED),
}
