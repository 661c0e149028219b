"""API authentication and throttling by per-officer token.

Clients send `Authorization: Bearer lep_…` (or `Token lep_…`). Only the
SHA-256 of the secret is stored, so a database leak yields no usable token.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from requests_app.intake import services


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Authorization: Bearer <token>.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from None
        token = services.api_token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        officer = getattr(token.user, "officer", None)
        if not token.user.is_active or officer is None or not officer.can_act:
            raise exceptions.AuthenticationFailed("Your account or your agency is not active.")
        return (token.user, token)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "requests_app.intake.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A per-officer token created at /le/tokens/."}


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Rate per token (settings REST_FRAMEWORK DEFAULT_THROTTLE_RATES['api_token'])."""

    scope = "api_token"

    def get_rate(self):
        # Read at request time (not import time) so the setting can change without a restart or reload.
        from rest_framework.settings import api_settings

        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"Set REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['{self.scope}'].") from None

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "pk", None):
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
