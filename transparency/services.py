"""Writes of the transparency app: build a draft, publish (freeze and sign), correct.

Every write is atomic and recorded in the audit chain; heavy work (aggregation,
PDF) runs in Celery tasks queued on commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from requests_app import audit as audit_log
from requests_app import followups
from requests_app.audit import event_record
from requests_app.exceptions import Refused
from requests_app.models import EventType, LegalRequest
from requests_app.permissions import is_supervisor
from transparency import aggregation, periods, signing
from transparency.facts import facts_refresh
from transparency.models import Report, RequestFacts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REPORT_EVENT = EventType.REPORT


class ReportError(Refused):
    """Refused: the message says why, in plain words."""


def _check_actor(actor: User | None) -> None:
    # actor None = an operator at the command line (build_report); anyone else must be a supervisor.
    if actor is not None and not is_supervisor(actor):
        raise ReportError("Only a legal supervisor may build or publish transparency reports.")


def facts_sync(*, period: periods.Period) -> int:
    """Refresh facts of the period's requests that are missing or older than the request."""
    stale = LegalRequest.objects.filter(received_at__gte=period.start, received_at__lt=period.end).filter(
        Q(report_facts__isnull=True) | Q(updated_at__gt=F("report_facts__updated_at"))
    )
    return facts_refresh(request_ids=list(stale.values_list("pk", flat=True)))


def report_build(*, period: str, actor: User | None = None, change_note: str = "", background: bool = False) -> Report:
    """Create a draft for `period`; compute it now, or in a Celery task when `background`."""
    _check_actor(actor)
    p = periods.parse(period)
    if p.end > timezone.now():
        raise ReportError(
            f"{p.code} has not ended yet (it ends on {p.last_day:%d %B %Y}); a report can be drafted only "
            "for a period that is over."
        )
    with transaction.atomic():
        report = Report.objects.create(
            period=p.code,
            version=None,
            status=Report.Status.BUILDING,
            change_note=change_note.strip(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        event_record(
            event_type=REPORT_EVENT,
            actor=actor,
            message=f"Transparency report {p.code}: draft build started",
            payload={"report": report.pk, "period": p.code},
        )
        if background:
            followups.emit(followups.REPORT_DRAFTED, report_id=report.pk)
    if not background:
        report_compute(report_id=report.pk)
        report.refresh_from_db()
    return report


def report_compute(*, report_id: int) -> Report:
    """Aggregate the numbers of a draft (idempotent: recomputes while the report is not published)."""
    report = Report.objects.get(pk=report_id)
    if report.is_published:
        return report
    p = periods.parse(report.period)

    def progress(pct: int) -> None:
        Report.objects.filter(pk=report_id).update(progress=pct)

    try:
        progress(5)
        facts_sync(period=p)
        progress(15)
        snapshot = aggregation.build_snapshot(p, progress=progress)
    except Exception as exc:
        Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED, error=str(exc)[:500])
        raise
    snapshot["change_note"] = report.change_note
    Report.objects.filter(pk=report_id).update(
        snapshot=snapshot, status=Report.Status.DRAFT, progress=100, built_at=timezone.now(), error=""
    )
    report.refresh_from_db()
    return report


def signed_document(report: Report) -> dict[str, Any]:
    """The JSON download: the frozen numbers plus their hash and signature."""
    return {
        "report": report.snapshot,
        "sha256": report.sha256,
        "signature": report.signature,
        "algorithm": "Ed25519",
        "public_key": signing.public_key_raw_b64(),
    }


def unfinished_count(*, period: str) -> int:
    """Requests of the period (every type) not in a final state, from their facts."""
    p = periods.parse(period)
    return RequestFacts.objects.filter(received_at__gte=p.start, received_at__lt=p.end, final=False).count()


# Measures compared between a correction and the version it replaces (the figures the page leads with).
_COMPARED = ("requests", "accounts", "distinct_accounts", "with_data", "pct_with_data", "accounts_with_data")


def snapshot_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from the previous published version: [{where, measure, old, new}], totals then countries."""
    if not old:
        return []
    changes = []

    def compare(where: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for m in _COMPARED:
            if a.get(m) != b.get(m):
                changes.append({"where": where, "measure": m, "old": a.get(m), "new": b.get(m)})

    compare("Total", old.get("totals", {}), new.get("totals", {}))
    old_dsa, new_dsa = (old.get("dsa") or {}).get("orders"), (new.get("dsa") or {}).get("orders")
    if old_dsa != new_dsa:
        changes.append({"where": "EU DSA", "measure": "orders to provide information", "old": old_dsa, "new": new_dsa})
    before = {c["country"]: c for c in old.get("countries", [])}
    after = {c["country"]: c for c in new.get("countries", [])}
    for code in sorted(before.keys() | after.keys()):
        name = (after.get(code) or before.get(code) or {}).get("name", code)
        compare(name, before.get(code, {}), after.get(code, {}))
    return changes


def report_publish(
    *, report: Report, actor: User | None = None, change_note: str | None = None, acknowledge_open: bool = False
) -> Report:
    """A second supervisor approves a reviewed draft: number it, hash its canonical JSON and sign it.

    The supervisor who drafted it cannot approve it (four eyes). A second or later version of a period
    is a correction and needs a change note. If requests of the period are still open, publishing
    needs `acknowledge_open`, and the report states how many were open.
    """
    _check_actor(actor)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != Report.Status.DRAFT:
            raise ReportError(
                f"Only a finished draft can be published; this report is {locked.get_status_display().lower()}."
            )
        if locked.created_by_id is not None and getattr(actor, "pk", None) == locked.created_by_id:
            raise ReportError(
                "You drafted this report, so another supervisor must approve its publication (four eyes)."
            )
        open_now = unfinished_count(period=locked.period)
        if open_now and not acknowledge_open:
            raise ReportError(
                f"{open_now} request(s) of {locked.period} are not final yet. Tick the acknowledgement to "
                "publish anyway; the report will say how many were open."
            )
        note = (change_note if change_note is not None else locked.change_note).strip()
        latest = Report.objects.filter(period=locked.period, status=Report.Status.PUBLISHED).aggregate(
            v=Max("version")
        )["v"]
        if latest and not note:
            raise ReportError(
                f"{locked.period} was already published (version {latest}); a correction needs a change note "
                "saying what changed and why."
            )
        if locked.snapshot is None:
            raise ReportError("This draft has no figures yet: build it before publishing.")
        now = timezone.now()
        snapshot = dict(locked.snapshot)
        snapshot.update(
            version=(latest or 0) + 1,
            published_at=now.isoformat(timespec="seconds"),
            change_note=note,
            open_at_publication=open_now,
        )
        # The audit log's checkpoint at publication, signed with the numbers (docs/audit-log.md).
        checkpoint = audit_log.latest_checkpoint()
        snapshot["audit_log_checkpoint"] = checkpoint.note if checkpoint else ""
        data = signing.canonical(snapshot)
        locked.snapshot = snapshot
        locked.canonical = data.decode("utf-8")
        locked.sha256 = signing.sha256_hex(data)
        locked.signature = signing.sign(data)
        locked.version = snapshot["version"]
        locked.change_note = note
        locked.status = Report.Status.PUBLISHED
        locked.published_at = now
        locked.published_by = actor if getattr(actor, "pk", None) else None
        locked.open_acknowledged = open_now
        locked.save()
        event_record(
            event_type=REPORT_EVENT,
            actor=actor,
            message=f"Transparency report {locked.period} version {locked.version} approved and published",
            payload={
                "report": locked.pk,
                "period": locked.period,
                "version": locked.version,
                "sha256": locked.sha256,
                "drafted_by": locked.created_by_id,
                "approved_by": getattr(actor, "pk", None),
                "open_acknowledged": open_now,
            },
            at=now,
        )
    report.refresh_from_db()
    return report


def report_correct(*, period: str, actor: User | None = None, change_note: str) -> Report:
    """Draft a corrected version n+1 of an already published period, with its change note.

    The correction is published like any draft: by a second supervisor (report_publish).
    """
    _check_actor(actor)
    p = periods.parse(period)
    if not change_note.strip():
        raise ReportError("A correction needs a change note saying what changed and why.")
    if not Report.objects.filter(period=p.code, status=Report.Status.PUBLISHED).exists():
        raise ReportError(f"{p.code} has no published report to correct; build and publish it first.")
    return report_build(period=p.code, actor=actor, change_note=change_note)


def report_render_pdf(*, report: Report) -> bytes:
    """Render the published report's PDF once and keep it with the frozen report."""
    if report.pdf:
        return bytes(report.pdf)
    from transparency.pdf import render_pdf

    data = render_pdf(report)
    if report.is_published:
        Report.objects.filter(pk=report.pk, pdf__isnull=True).update(pdf=data)
    return data
