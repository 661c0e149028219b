"""What happens after a change: one table from event to the tasks that must follow it.

A service that makes a change calls `emit(EVENT, **kwargs)` inside its transaction. That
writes one outbox row per task listed below (requests_app.outbox), in the same transaction:
the follow-ups exist if and only if the change committed. The outbox publishes them after
commit, a periodic sweep republishes whatever a broker outage or a killed process left
behind, and each row is marked done once its task has finished.

The core imports no sub-app: tasks are named by their registered Celery name, and
tests/requests_app/test_followups.py checks that each name is a registered task built on
`requests_app.outbox.FollowUpTask`. Each task gets the event's keyword arguments.

Not in the table: the audit log's sequencer (requests_app.audit). Its pending events are
themselves rows committed with the change, and beat's `sequence_pending_task` sequences whatever is
pending every 10 s, so its after-commit kick only shortens the wait and losing it loses nothing.

How another app adds a follow-up
--------------------------------
1. Write the task in the app's `tasks.py`: thin (re-fetch by primary key, call one service),
   idempotent (running it twice has the effect of running it once), built on the outbox base::

       from celery import shared_task
       from requests_app.outbox import FollowUpTask

       @shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
       def hold_provisional(request_id: int) -> int:
           return services.hold_provisional(request_id=request_id)

2. Add its name to the event's row in `FOLLOW_UPS` below (or add an event, with a comment
   saying when it happens and what it carries, and call `emit` for it in the service that
   makes that change). Nothing else: no receiver, no `on_commit`, no import of the app here.
"""

from __future__ import annotations

from typing import Any

from requests_app import outbox

# --- events (each: when it happens; the keyword arguments its tasks get) ---------------
SUBMITTED = "submitted"  # a request was submitted (request_id)
TRANSITIONED = "transitioned"  # a request changed status, any status (request_id)
OVERDUE = "overdue"  # the deadline sweep marked a request overdue (request_id)
LETTER_REQUESTED = "letter_requested"  # review asked for a letter to the agency (request_id, kind, actor_id)
PRODUCTION_STARTED = "production_started"  # a production package must be built (production_id)
NOTICES_DUE = "notices_due"  # user notices of a request may have become due (request_id)
REPORT_DRAFTED = "report_drafted"  # a draft transparency report needs its numbers (report_id)
CYBERTIP_SUBMIT = "cybertip_submit"  # a CyberTipline report must be sent (or resent) to NCMEC (report_id)
DOCUMENT_STORED = "document_stored"  # an uploaded document was stored and must be scanned for malware (document_id)
DOCUMENT_QUARANTINED = "document_quarantined"  # the malware scan found something in a document (document_id)
# E-mails that tell someone about a change (one event each: the e-mail is sent once the change commits,
# and survives a broker outage or a killed process like any other follow-up).
MAIL_REGISTRATION_PENDING = "mail:registration_pending"  # an officer registered, awaits verification (officer_id)
MAIL_ACCOUNT_ACTIVATED = "mail:account_activated"  # an officer's account became active (officer_id)
MAIL_TOKEN_CREATED = "mail:token_created"  # noqa: S105  (an event name) an API token was created (token_id)
MAIL_MESSAGE_POSTED = "mail:message_posted"  # a message was posted on a request's thread (message_id)
MAIL_LETTER_SENT = "mail:letter_sent"  # the legal team sent a letter to the agency (letter_id)
MAIL_REVIEW_REMINDER = "mail:review_reminder"  # a request falls due soon (request_id)
MAIL_REVIEW_ESCALATION = "mail:review_escalation"  # a request is overdue: tell the supervisors (request_id)
MAIL_PRODUCTION_READY = "mail:production_ready"  # a package is ready for download (request_id)
MAIL_CERTIFICATE_TO_SIGN = "mail:certificate_to_sign"  # a built package waits for a custodian (production_id)
MAIL_HOLD_REMINDER = "mail:hold_reminder"  # a preservation hold ends soon (hold_id)
MAIL_CYBERTIP_REMINDER = "mail:cybertip_reminder"  # a CyberTipline report falls due soon (report_id)
MAIL_CYBERTIP_ESCALATION = "mail:cybertip_escalation"  # a CyberTipline report is overdue (report_id)
MAIL_CYBERTIP_REFUSED = "mail:cybertip_refused"  # NCMEC refused a submission (report_id)


def entered(status: str) -> str:
    """The event of a request entering `status` (sent together with TRANSITIONED; request_id)."""
    return f"entered:{status}"


# --- the table: event → tasks, run in any order, each on its own ------------------------
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    SUBMITTED: (
        "requests_app.intake.tasks.acknowledgement_mail_task",  # e-mail the officer the reference
        "requests_app.production.tasks.holds_provisional_create_task",  # preserve the named accounts from receipt
        "requests_app.production.tasks.holds_link_followups_task",  # link to active holds on the same accounts
        "requests_app.cybertipline.tasks.followups_link_cited_task",  # link to the CyberTipline reports it cites
    ),
    TRANSITIONED: ("transparency.tasks.facts_refresh_task",),  # the request's report facts
    entered("approved"): (
        "requests_app.production.tasks.holds_create_for_approved_request_task",
    ),  # holds, then closed
    entered("partially_approved"): ("requests_app.production.tasks.holds_create_for_approved_request_task",),
    entered("closed"): ("requests_app.production.tasks.notices_create_for_request_task",),  # user notices
    OVERDUE: ("requests_app.review.tasks.request_escalate_task",),  # tell the supervisors
    LETTER_REQUESTED: ("requests_app.review.tasks.letter_send_task",),
    PRODUCTION_STARTED: ("requests_app.production.tasks.production_build_task",),
    NOTICES_DUE: ("requests_app.production.tasks.notices_send_due_task",),
    REPORT_DRAFTED: ("transparency.tasks.report_compute_task",),
    CYBERTIP_SUBMIT: ("requests_app.cybertipline.tasks.report_send_task",),
    DOCUMENT_STORED: ("requests_app.tasks.document_scan_task",),  # ClamAV (requests_app/scanning.py)
    DOCUMENT_QUARANTINED: ("requests_app.intake.tasks.quarantine_notice_mail_task",),  # tell the officer
    # e-mails
    MAIL_REGISTRATION_PENDING: ("requests_app.intake.tasks.registration_pending_mail_task",),
    MAIL_ACCOUNT_ACTIVATED: ("requests_app.intake.tasks.account_activated_mail_task",),
    MAIL_TOKEN_CREATED: ("requests_app.intake.tasks.token_created_mail_task",),
    MAIL_MESSAGE_POSTED: ("requests_app.intake.tasks.message_notice_mail_task",),
    MAIL_LETTER_SENT: ("requests_app.review.tasks.letter_sent_mail_task",),
    MAIL_REVIEW_REMINDER: ("requests_app.review.tasks.reminder_mail_task",),
    MAIL_REVIEW_ESCALATION: ("requests_app.review.tasks.escalation_mail_task",),
    MAIL_PRODUCTION_READY: ("requests_app.production.tasks.production_ready_mail_task",),
    MAIL_CERTIFICATE_TO_SIGN: ("requests_app.production.tasks.certificate_to_sign_mail_task",),
    MAIL_HOLD_REMINDER: ("requests_app.production.tasks.hold_reminder_mail_task",),
    MAIL_CYBERTIP_REMINDER: ("requests_app.cybertipline.tasks.deadline_reminder_mail_task",),
    MAIL_CYBERTIP_ESCALATION: ("requests_app.cybertipline.tasks.deadline_escalation_mail_task",),
    MAIL_CYBERTIP_REFUSED: ("requests_app.cybertipline.tasks.submission_refused_mail_task",),
}


def emit(event: str, **kwargs: Any) -> list[int]:
    """Write the follow-ups of `event` in the current transaction (kwargs must be JSON-serialisable).

    Returns the outbox row ids (none for an event without follow-ups).
    """
    return outbox.write(event=event, tasks=FOLLOW_UPS.get(event, ()), kwargs=kwargs)


def emit_transition(*, request_id: int, target: str) -> list[int]:
    """A request entered `target`: the follow-ups of any transition, then those of entering `target`."""
    return emit(TRANSITIONED, request_id=request_id) + emit(entered(target), request_id=request_id)
