"""Partial indexes for the queue's common filters, on the core table.

The core app owns requests_app_legalrequest; its lr_queue_open index serves the
default queue order. The queue filtered by status, assignee, agency or country
would otherwise read every open row of that filter and sort it. Each index
below leads with the filter column, then the queue order, over open requests
only, so a filtered page is an index range scan that stops after one page.
AddIndex cannot target another app's model, hence RunSQL (PostgreSQL and SQLite
both support partial and descending indexes). See bench/README.md ("## queue").
"""

from django.db import migrations

OPEN = ["approved", "awaiting_verification", "delivered", "in_review", "needs_info",
        "partially_approved", "producing", "submitted", "validated"]
PREDICATE = "status IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")"
TABLE = "requests_app_legalrequest"
COLUMNS = {"status": "status", "assignee": "assignee_id", "agency": "agency_id", "country": "country"}


def _ops():
    for name, column in COLUMNS.items():
        index = f"review_lr_open_{name}"
        yield migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {index} ON {TABLE} ({column}, emergency DESC, due_at, id) WHERE {PREDICATE}",
            reverse_sql=f"DROP INDEX IF EXISTS {index}",
        )


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial"), ("requests_app", "0002_chain_head")]
    operations = list(_ops())
