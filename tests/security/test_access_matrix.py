"""The authorization matrix: every URL pattern × every persona × GET and POST, against access_table.py.

The URL list comes from Django's resolver (admin, API, allauth, two-factor, transparency included), so a
new URL is in the matrix the moment it exists, and fails until someone writes down who may reach it.
Path parameters are real objects: for a URL about an agency's data, once with agency A's object and once
with agency B's. Each cell runs inside its own savepoint on a data set built once for the module.

A refused cell (sent to sign in or to the second factor, 401/403/404, 405) must change nothing: no INSERT,
UPDATE or DELETE reaches the database (the session table excepted: signing a pending user out is the
refusal), and every table keeps its row count.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.security import access_table as T
from tests.security.matrix_data import PERSONAS, MatrixData, build
from tests.security.matrix_urls import KEYS, URLS, classify

METHODS = ("GET", "POST")

# Each cell runs in pytest-django's per-test transaction (a savepoint inside the module's data set).
pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ path parameters, real objects

# URLs about one agency's data: tried with agency A's object and with agency B's.
ref = lambda d, s: {"reference": s.request.reference}  # noqa: E731
BY_AGENCY = {
    "intake:request_detail": ref,
    "intake:message_create": ref,
    "intake:document_create": ref,
    "intake:document_download": lambda d, s: {"reference": s.request.reference, "pk": s.document_pk},
    "intake:receipt_download": lambda d, s: {"reference": s.request.reference, "index": s.receipt_index},
    "intake:request_answer": ref,
    "intake:request_withdraw": ref,
    "intake:token_revoke": lambda d, s: {"pk": s.token_pk},
    "agencies:officers": lambda d, s: {"pk": s.agency.pk},
    "agencies:agency_action": lambda d, s: {"pk": s.agency.pk, "action": "suspend"},
    "agencies:officer_action": lambda d, s: {"pk": s.officer.pk, "action": "suspend"},
    "review:request": ref,
    "review:audit": ref,
    "review:document": lambda d, s: {"reference": s.request.reference, "pk": s.document_pk},
    "review:assign": ref,
    "review:dsa_classify": ref,
    "review:start": ref,
    "review:verify": ref,
    "review:info": ref,
    "review:resume": ref,
    "review:reject": ref,
    "review:decide": ref,
    "review:approve_decision": lambda d, s: {"reference": s.request.reference, "pk": s.decision_pk},
    "review:approve": ref,
    "review:message": ref,
    "review:note": ref,
    "review:epoc_validation": ref,
    "review:enforcing_state": ref,
    "review:danger_over": ref,
    "review:notice_decision": ref,
    "review:ndo": ref,
    "review:change_decision": ref,
    "production:request": ref,
    "production:start": ref,
    "production:ndo_lift": ref,
    "production:ndo_record": ref,
    "production:certificate_sign": lambda d, s: {"pk": s.production_pk},
    "production:hold_release": lambda d, s: {"pk": s.hold_pk},
    "production:progress": lambda d, s: {"pk": s.production_pk},
    "production:download": lambda d, s: {"pk": s.production_pk},
    "production:hold_extend": lambda d, s: {"pk": s.hold_pk},
    "api_request": ref,
    "api_timeline": ref,
    "api_messages": ref,
    "api_documents": ref,
    "api_answer": ref,
    "api_receipts": ref,
    "api_withdraw": ref,
    "api_packages": ref,
    "api_package_download": lambda d, s: {"reference": s.request.reference, "package_id": str(s.production_pk)},
    "intake:draft_resume": lambda d, s: {"pk": s.draft_pk},
    "intake:draft_delete": lambda d, s: {"pk": s.draft_pk},
}

ct = lambda d: {"reference": d.ct_reference}  # noqa: E731
period = lambda d: {"period": d.report_period, "version": d.report_version}  # noqa: E731
SINGLE = {
    "review:saved_view_delete": lambda d: {"pk": d.saved_view_pk},
    "cybertipline:report": ct,
    "cybertipline:review": ct,
    "cybertipline:submit": ct,
    "cybertipline:retract": ct,
    "cybertipline:link": ct,
    "cybertipline:file": lambda d: {"reference": d.ct_reference, "pk": d.ct_file_pk},
    "cybertipline:hold_extend": lambda d: {"reference": d.ct_reference, "pk": d.a.hold_pk},
    "transparency:country": lambda d: {"code": "GB"},
    "transparency:country_csv": lambda d: {"code": "GB"},
    "transparency:draft": lambda d: {"pk": d.draft_pk},
    "transparency:publish": lambda d: {"pk": d.draft_pk},
    "transparency:report": lambda d: {"period": d.report_period},
    "transparency:report_version": period,
    "transparency:json": period,
    "transparency:csv": period,
    "transparency:pdf": period,
    "transparency:dsa": period,
    "account_confirm_email": lambda d: {"key": d.confirm_key},
    "account_reset_password_from_key": lambda d: {"uidb36": d.reset_uidb36, "key": d.reset_key},
    "admin:view_on_site": lambda d: {"content_type_id": d.content_type_id, "object_id": d.a.request.pk},
    "admin:app_list": lambda d: {"app_label": "requests_app"},
    "admin:auth_user_password_change": lambda d: {"id": d.a.officer.user_id},
}

ADMIN_OBJECT_ACTIONS = ("_history", "_delete", "_change")


def variants(key: str) -> tuple[str, ...]:
    return ("a", "b") if key in BY_AGENCY else ("-",)


def path_for(data: MatrixData, key: str, route: str, name: str | None, variant: str) -> str:
    if key in BY_AGENCY:
        return reverse(name, kwargs=BY_AGENCY[key](data, data.side(variant)))
    if key in SINGLE:
        return reverse(name, kwargs=SINGLE[key](data))
    if name and name.startswith("admin:") and name.endswith(ADMIN_OBJECT_ACTIONS) and "<path:object_id>" in route:
        app_model = name.removeprefix("admin:").rsplit("_", 1)[0]
        return reverse(name, kwargs={"object_id": data.admin_objects[app_model]})
    if name is None and route.startswith("admin/") and route.endswith("/<path:object_id>/"):
        # The admin's bare object URL (redirects to the change page).
        app, model = route.split("/")[1:3]
        return f"/{route.replace('<path:object_id>', data.admin_objects[f'{app}_{model}'])}"
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if "<" in route or "(?P" in route:
        pytest.fail(f"{key}: the matrix does not know how to fill this URL's parameters ({route}); add it above")
    return reverse(name) if name else f"/{route}"


# ------------------------------------------------------------------ the data set, once per module


@pytest.fixture(autouse=True)
def _media_root():
    """Overrides the suite's per-test MEDIA_ROOT: the module's files live in `matrix`'s directory."""


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    saved = settings.MEDIA_ROOT, settings.TRANSPARENCY_DSA_VLOP
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("matrix-media")
    # The data set's report is a half-year: its DSA export exists for a very large platform only.
    settings.TRANSPARENCY_DSA_VLOP = True
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            data = build()
            data.row_counts = row_counts()  # every cell starts from these (each runs in its own savepoint)
            yield data
        finally:
            TestCase._rollback_atomics(atomics)
            settings.MEDIA_ROOT, settings.TRANSPARENCY_DSA_VLOP = saved


_COUNT_SQL: list[str] = []


def row_counts() -> dict[str, int]:
    if not _COUNT_SQL:
        tables = sorted(connection.introspection.table_names())
        qn = connection.ops.quote_name
        # Table names come from the database's own catalogue, not from input.
        _COUNT_SQL.append(" UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {qn(t)}" for t in tables))  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL[0])
        return dict(cursor.fetchall())


WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE", "COPY")
# Writes a refusal itself makes: signing a pending user out (AccountStateMiddleware) deletes the session and
# django-axes records when that session ended; a valid API token records when it was last presented (it is
# checked before the method and the object). Nothing else.
ALLOWED_WRITES = (
    re.compile(r'^(INSERT INTO|UPDATE|DELETE FROM) "django_session"'),
    re.compile(r'^UPDATE "axes_accesslog" SET "logout_time" = [^;]+? WHERE'),
    re.compile(r'^UPDATE "intake_apitoken" SET "last_used_at" = [^;]+? WHERE "intake_apitoken"."id" = \d+$'),
    # Deleting "my saved view number N" when N is someone else's: the DELETE is scoped to the requester's
    # own rows and matches none (the row counts below prove nothing went); the answer is 404.
    re.compile(
        r'^DELETE FROM "review_savedview" WHERE \("review_savedview"."owner_id" = \d+ AND "review_savedview"."id" = \d+\)$'
    ),
)


def writes_in(queries) -> list[str]:
    out = []
    for q in queries:
        sql = q["sql"].lstrip()
        if sql.upper().startswith(WRITE_PREFIXES) and not any(p.match(sql) for p in ALLOWED_WRITES):
            out.append(sql[:200])
    return out


def cells():
    for key, route, name in URLS:
        for variant in variants(key):
            for persona in PERSONAS:
                for method in METHODS:
                    label = key if variant == "-" else f"{key}[{variant}]"
                    yield pytest.param(key, route, name, variant, persona, method, id=f"{label}|{persona}|{method}")


@pytest.mark.parametrize(("key", "route", "name", "variant", "persona", "method"), list(cells()))
def test_cell(matrix, key, route, name, variant, persona, method):
    expected = T.expected(key, persona, method, variant)
    path = path_for(matrix, key, route, name, variant)
    client = matrix.personas[persona].client()
    mail.outbox = []
    cache.clear()  # throttles and rate limits start afresh in every cell
    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks() as after_commit:
        response = client.generic(method, path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    writes = writes_in(queries.captured_queries)
    got = classify(response)
    assert got == expected, f"{method} {path} as {persona}: got {got} ({response.status_code}), table says {expected}"
    if got in T.REFUSED:
        assert not writes, f"refused {method} {path} as {persona} wrote to the database: {writes}"
        assert not after_commit, f"refused {method} {path} as {persona} queued work for after the commit"
        assert not mail.outbox, f"refused {method} {path} as {persona} sent e-mail"
        after = row_counts()
        changed = {
            t: (matrix.row_counts[t], after[t])
            for t in after
            if matrix.row_counts[t] != after[t] and t != "django_session"
        }
        assert not changed, f"refused {method} {path} as {persona} changed row counts: {changed}"


def test_every_url_has_a_row():
    missing = [(key, route) for key, route, _name in URLS if key not in T.TABLE]
    assert not missing, (
        "URLs without a row in tests/security/access_table.py (decide who may use each, then add e.g.\n"
        '    "app:name": staff(NOT_ALLOWED, REDIRECT, "first"),\n'
        "next to its neighbours; docs/access-matrix.md lists the helpers):\n"
        + "\n".join(f"    {key!r}  (/{route})" for key, route in missing)
    )


def test_every_row_is_a_url():
    gone = [key for key in T.TABLE if key not in KEYS]
    assert not gone, f"rows in tests/security/access_table.py for URLs that no longer exist: {gone}"


def test_every_row_names_each_persona_once():
    for key, row in T.TABLE.items():
        assert set(row) == set(PERSONAS), f"{key}: personas {sorted(set(PERSONAS) ^ set(row))}"
