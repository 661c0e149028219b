"""Issue 17: Celery tasks are named after the service they call, with a `_task` suffix.

Follow-ups written before the rename name their task by its old registered name; this renames
them (all statuses, so the history reads the same). A message already on the broker under an
old name is refused by the new workers; its row stays `sent` and the outbox sweep publishes it
again, under the new name, after OUTBOX_REDELIVER_SECONDS."""

from django.db import migrations

RENAMED = (
    ("requests_app.tasks.sweep_deadlines", "requests_app.tasks.deadlines_sweep_task"),
    ("requests_app.tasks.sweep_outbox", "requests_app.tasks.outbox_sweep_task"),
    ("requests_app.tasks.sweep_orphan_files", "requests_app.tasks.orphan_files_sweep_task"),
    ("requests_app.tasks.sequence_log", "requests_app.tasks.sequence_pending_task"),
    ("requests_app.tasks.scan_document", "requests_app.tasks.document_scan_task"),
    ("requests_app.tasks.rescan_pending_documents", "requests_app.tasks.documents_rescan_pending_task"),
    ("requests_app.cybertipline.tasks.submit_report", "requests_app.cybertipline.tasks.report_send_task"),
    ("requests_app.cybertipline.tasks.sweep_deadlines", "requests_app.cybertipline.tasks.deadlines_sweep_task"),
    ("requests_app.cybertipline.tasks.link_cited_reports", "requests_app.cybertipline.tasks.followups_link_cited_task"),
    (
        "requests_app.cybertipline.tasks.mail_deadline_reminder",
        "requests_app.cybertipline.tasks.deadline_reminder_mail_task",
    ),
    (
        "requests_app.cybertipline.tasks.mail_deadline_escalation",
        "requests_app.cybertipline.tasks.deadline_escalation_mail_task",
    ),
    (
        "requests_app.cybertipline.tasks.mail_submission_refused",
        "requests_app.cybertipline.tasks.submission_refused_mail_task",
    ),
    ("requests_app.intake.tasks.send_acknowledgement", "requests_app.intake.tasks.acknowledgement_mail_task"),
    ("requests_app.intake.tasks.send_quarantine_notice", "requests_app.intake.tasks.quarantine_notice_mail_task"),
    ("requests_app.intake.tasks.purge_idempotency_records", "requests_app.intake.tasks.idempotency_purge_task"),
    ("requests_app.intake.tasks.purge_pending_uploads", "requests_app.intake.tasks.pending_uploads_purge_task"),
    ("requests_app.intake.tasks.purge_drafts", "requests_app.intake.tasks.drafts_purge_task"),
    ("requests_app.intake.tasks.mail_registration_pending", "requests_app.intake.tasks.registration_pending_mail_task"),
    ("requests_app.intake.tasks.mail_account_activated", "requests_app.intake.tasks.account_activated_mail_task"),
    ("requests_app.intake.tasks.mail_token_created", "requests_app.intake.tasks.token_created_mail_task"),
    ("requests_app.intake.tasks.mail_message_notice", "requests_app.intake.tasks.message_notice_mail_task"),
    ("requests_app.production.tasks.build_production", "requests_app.production.tasks.production_build_task"),
    (
        "requests_app.production.tasks.purge_expired_productions",
        "requests_app.production.tasks.productions_purge_expired_task",
    ),
    (
        "requests_app.production.tasks.requeue_stalled_productions",
        "requests_app.production.tasks.productions_requeue_stalled_task",
    ),
    ("requests_app.production.tasks.release_expired_holds", "requests_app.production.tasks.holds_release_expired_task"),
    ("requests_app.production.tasks.send_due_notices", "requests_app.production.tasks.notices_send_due_task"),
    ("requests_app.production.tasks.create_notices", "requests_app.production.tasks.notices_create_for_request_task"),
    (
        "requests_app.production.tasks.preserve_approved_request",
        "requests_app.production.tasks.holds_create_for_approved_request_task",
    ),
    ("requests_app.production.tasks.link_followups", "requests_app.production.tasks.holds_link_followups_task"),
    ("requests_app.production.tasks.provisional_holds", "requests_app.production.tasks.holds_provisional_create_task"),
    ("requests_app.production.tasks.mail_production_ready", "requests_app.production.tasks.production_ready_mail_task"),
    (
        "requests_app.production.tasks.mail_certificate_to_sign",
        "requests_app.production.tasks.certificate_to_sign_mail_task",
    ),
    ("requests_app.production.tasks.mail_hold_reminder", "requests_app.production.tasks.hold_reminder_mail_task"),
    ("requests_app.review.tasks.send_letter", "requests_app.review.tasks.letter_send_task"),
    ("requests_app.review.tasks.remind_due_soon", "requests_app.review.tasks.reminders_send_due_task"),
    ("requests_app.review.tasks.escalate_overdue", "requests_app.review.tasks.request_escalate_task"),
    ("requests_app.review.tasks.mail_letter_sent", "requests_app.review.tasks.letter_sent_mail_task"),
    ("requests_app.review.tasks.mail_reminder", "requests_app.review.tasks.reminder_mail_task"),
    ("requests_app.review.tasks.mail_escalation", "requests_app.review.tasks.escalation_mail_task"),
    ("transparency.tasks.build_report_task", "transparency.tasks.report_compute_task"),
    ("transparency.tasks.refresh_facts_task", "transparency.tasks.facts_refresh_task"),
)


def forward(apps, schema_editor):
    FollowUp = apps.get_model("requests_app", "FollowUp")
    for old, new in RENAMED:
        FollowUp.objects.filter(task=old).update(task=new)


def backward(apps, schema_editor):
    FollowUp = apps.get_model("requests_app", "FollowUp")
    for old, new in RENAMED:
        FollowUp.objects.filter(task=new).update(task=old)


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0016_i14_dsa_taxonomy")]

    operations = [migrations.RunPython(forward, backward)]
