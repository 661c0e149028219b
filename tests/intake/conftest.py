import pytest
from django.core.cache import cache

from requests_app.documents import DocumentInput
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant
from tests.intake.helpers import Api, token_for


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; start every test from zero."""
    cache.clear()
    yield
    cache.clear()


# The REST API's personas and request (tests/intake/test_api_*.py).


@pytest.fixture
def api_a(officer_a):
    return Api(token_for(officer_a))


@pytest.fixture
def api_b(officer_b):
    return Api(token_for(officer_b))


@pytest.fixture
def lr(officer_a):
    return request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("warrant.pdf", minimal_pdf())])
