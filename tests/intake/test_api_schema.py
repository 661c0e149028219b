"""The OpenAPI schema and docs (served locally), and the bench endpoint's absence."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_schema_and_docs_are_served_locally(anon):
    schema = anon.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/requests/" in paths and "/api/v1/requests/dry-run/" in paths
    assert not any("bench" in p for p in paths)
    docs = anon.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "<script>" not in docs and "<style>" not in docs  # nothing inline: the strict CSP allows none
    script = anon.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_bench_endpoint_absent_by_default(api_a):
    assert api_a.post("/api/bench/bare/", {}).status_code == 404
