import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """The published report page is cached (transparency.views.report_page); every test starts empty."""
    cache.clear()
    yield
    cache.clear()
