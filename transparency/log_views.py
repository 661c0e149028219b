"""Public, no login: the audit log's signed checkpoint, its verifier key and its proofs (docs/audit-log.md).

Only hashes leave here: leaves are salted, so a proof reveals nothing about any event.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from requests_app import audit


def _text(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = "no-cache"
    return response


def _sizes(request: HttpRequest, *names: str) -> list[int] | None:
    try:
        values = [int(request.GET[name]) for name in names]
    except (KeyError, ValueError):
        return None
    return values if all(v >= 0 for v in values) else None


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    """Anyone: the latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    latest = audit.latest_checkpoint()
    if latest is None:
        return _text("The log has no checkpoint yet.\n", status=404)
    return _text(latest.note)


@require_GET
def key(request: HttpRequest) -> HttpResponse:
    """Anyone: the C2SP verifier key (name+keyid+base64) that checks the log's checkpoints."""
    return _text(audit.verifier_key() + "\n")


@require_GET
def consistency(request: HttpRequest) -> JsonResponse:
    """Anyone: the RFC 9162 consistency proof that the tree of size `to` extends the tree of size `from`."""
    sizes = _sizes(request, "from", "to")
    if sizes is None:
        return JsonResponse({"error": "Give two tree sizes: ?from=N&to=M (whole numbers)."}, status=400)
    old, new = sizes
    try:
        proof = audit.consistency_proof(old, new)
    except audit.LogError:
        return JsonResponse({"error": "Both sizes must be at least 1, from ≤ to, and to within the log."}, status=400)
    return JsonResponse({"from": old, "to": new, "proof": [h.hex() for h in proof]})


@require_GET
def inclusion(request: HttpRequest) -> JsonResponse:
    """Anyone: the RFC 9162 inclusion proof of leaf `index` in the tree of size `size` (receipts are refreshed
    with it against a newer checkpoint)."""
    sizes = _sizes(request, "index", "size")
    if sizes is None:
        return JsonResponse({"error": "Give a leaf index and a tree size: ?index=N&size=M."}, status=400)
    index, size = sizes
    try:
        proof = audit.inclusion_proof(index, size)
    except audit.LogError:
        return JsonResponse({"error": "The index must be below the size, and the size within the log."}, status=400)
    return JsonResponse({"index": index, "size": size, "proof": [h.hex() for h in proof]})
