"""Contract test of the REST API against its own OpenAPI schema (schemathesis).

The schema is loaded from the project's WSGI application; every /api/v1/
operation is called with generated input (valid and invalid), once as an
active officer of a verified agency with a real API token, once without a
token. Every response must be documented (status code, content type, body),
never a 5xx, and every 4xx body must be JSON.

The requests go through the WSGI app in this thread, on the test's database
connection, so the `db` fixture's uncommitted data is visible and
`transaction=True` is not needed. Hypothesis runs all examples of an
operation inside one test, so each example runs in a savepoint that is rolled
back (and with a fresh throttle cache): an example cannot see what an earlier
one created or changed (e.g. a withdrawal), which keeps failures reproducible.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings

from portal.wsgi import application
from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.services import request_submit, request_transition
from tests.factories import minimal_pdf, warrant_data
from tests.intake.helpers import token_for

# Operations whose answer to well-formed input depends on more than the schema can say,
# so a 400 for schema-valid data is the documented behaviour, not a contract breach:
# uploads are checked by content (any bytes are schema-valid, only real PDFs are accepted),
# submissions go through the rules engine (docs/api.md: rules_refused,
# warnings_not_acknowledged), and an answer needs a message or a file (either alone is optional).
RULE_CHECKED_OPERATIONS = [
    "POST /api/v1/requests/",
    "POST /api/v1/requests/{reference}/documents/",
    "POST /api/v1/requests/{reference}/answer/",
]

CONFIG = schemathesis.Config.from_dict(
    {
        # A fixed seed and derandomized generation: CI sees the same cases on every run.
        "seed": 20261201,
        "generation": {
            "max-examples": 15,
            "deterministic": True,
            "database": "none",
            # No NUL in generated strings: DRF refuses it in every text field (PostgreSQL cannot
            # store it), a rule of the whole API that the schema does not repeat for each field.
            "allow-x00": False,
            # The token is ours to send (a real one, or none at all in the no-token test), not a
            # generated header; a wrong or missing token is still tried by the ignored_auth check.
            "with-security-parameters": False,
        },
        "operations": [
            {
                "include-name": RULE_CHECKED_OPERATIONS,
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            # The coverage phase's valid cases try every member of every enum, 249 countries
            # included: ~300 cases for the dry run, ~650 for a submission (JSON and multipart),
            # far over the time budget. Its invalid cases stay; fuzzing draws the valid ones.
            {
                "include-name": ["POST /api/v1/requests/", "POST /api/v1/requests/dry-run/"],
                "phases": {"coverage": {"generation": {"mode": "negative"}}},
                "generation": {"max-examples": 40},
            },
        ],
    }
)

# The multipart bodies say their file parts are application/pdf (OpenAPI `encoding`): send generated
# part values as raw bytes, as for application/octet-stream. Anything but a real PDF is refused (400).
schemathesis.serializer.alias("application/pdf", "application/octet-stream")

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG).include(
    path_regex=r"^/api/v1/"
)


def error_bodies_are_json(ctx, response, case):
    """docs/api.md: all errors are JSON."""
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type!r}"
        assert isinstance(json.loads(response.text), dict), "an error body is a JSON object"


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection():
    """The WSGI app closes "old" database connections when a request starts and ends; inside
    the test's transaction that closes the connection itself on PostgreSQL (SQLite's in-memory
    database ignores it). Django's test Client turns this off around each request; so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def lr(officer_a, reviewer):
    """An open request of agency A waiting for information: every operation can succeed on it."""
    lr = request_submit(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )
    request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    return request_transition(request=lr, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which time zone?")


def _call(case, headers: dict | None = None):
    cache.clear()  # throttle counters
    with transaction.atomic():
        try:
            return case.call_and_validate(headers=headers, additional_checks=[error_bodies_are_json])
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def token(officer_a) -> str:
    return token_for(officer_a)


# The fixtures are made once per operation, not per example, on purpose: each example
# runs in a rolled-back savepoint (see _call), so they are the same for every example.
ONCE_PER_OPERATION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.django_db
@schema.parametrize()
@ONCE_PER_OPERATION
def test_officer_calls_conform_to_the_schema(case, token, lr):
    if "reference" in (case.path_parameters or {}):
        case.path_parameters["reference"] = lr.reference
    _call(case, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow])
def test_calls_without_a_token_are_refused(case):
    # Generated input (the coverage phase is left out: with no token the body is never read),
    # any reference, and no Authorization header at all.
    (case.headers or {}).pop("Authorization", None)
    response = _call(case)
    assert response.status_code in (401, 403), f"{case.operation.label} answered {response.status_code} without a token"
