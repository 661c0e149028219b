OK = "ok"
REDIRECT = "redirect"
LOGIN = "redirect-login"
TWO_FA = "redirect-2fa"
DENIED = "forbidden/404"
NOT_ALLOWED = "method-not-allowed"
INVALID = "invalid"
GONE = "gone"
REFUSED = frozenset({LOGIN, TWO_FA, DENIED, NOT_ALLOWED})
TABLE = {}


def expected(key, persona, method, variant):
    return "unknown"
