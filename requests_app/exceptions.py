"""The portal's one error type: a refusal the person can act on.

Every service refuses with a PortalError subclass: `code` (stable, for programs and the API's JSON)
and a message for people (str(exc)), plus the HTTP status it answers with when nobody handles it
more precisely. Web views that do not catch it get requests_app.middleware.PortalErrorMiddleware
(a message on the page they came from, or the error page); the API gets its DRF exception
handler (requests_app.intake.api.api_exception_handler: {"detail", "code"}). Pure Python: the pure
modules (rules, lifecycle) raise it too.
"""

from __future__ import annotations


class PortalError(Exception):
    """A refusal: nothing was changed, and the message says why in plain words."""

    code: str = "refused"
    status: int = 400

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class Refused(PortalError):
    """The rules or the state of the thing refuse the change (wrong state, bad input)."""


class Forbidden(PortalError):
    """This person may not do this."""

    code = "permission_denied"
    status = 403


class NotFound(PortalError):
    """Nothing this person may know of (answered as 404, never revealing that it exists)."""

    code = "not_found"
    status = 404


class Gone(PortalError):
    """It existed and is no longer available (an expired package)."""

    code = "gone"
    status = 410


class Conflict(PortalError):
    """The thing changed under the request, or is not what was recorded."""

    code = "conflict"
    status = 409
