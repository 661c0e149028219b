"""The URL list of the authorization matrix, from Django's resolver, and how an answer is classified."""

from __future__ import annotations

from urllib.parse import urlparse

from django.urls import URLPattern, URLResolver, get_resolver

from tests.security import access_table as T

# ------------------------------------------------------------------ the URL list, from the resolver


def walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    """(key, route, name) for every URL pattern; key is the namespaced name, or the route when unnamed."""
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield (name or route, route, name)


URLS = list(walk(get_resolver()))
KEYS = [key for key, _route, _name in URLS]
assert len(KEYS) == len(set(KEYS)), "two URL patterns share a name: the matrix could not tell them apart"


# Sent out to sign in. A pending or suspended officer's session is ended and they land on the status page
# /accounts/pending/ (what happens next), which opens nothing: the same class as the sign-in form.
LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/accounts/pending/")
SECOND_FACTOR_PATHS = ("/accounts/2fa/reauthenticate/", "/accounts/2fa/totp/activate/", "/accounts/2fa/authenticate/")


def classify(response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return T.OK
    if code in (301, 302, 303, 307, 308):
        where = urlparse(response["Location"]).path
        if where in LOGIN_PATHS:
            return T.LOGIN
        if where in SECOND_FACTOR_PATHS:
            return T.TWO_FA
        return T.REDIRECT
    if code in (401, 403, 404):
        return T.DENIED
    if code == 405:
        return T.NOT_ALLOWED
    if code == 400:
        return T.INVALID
    if code == 410:
        return T.GONE
    return f"status-{code}"
