"""The events' single-column index on request_id goes: event_request_seq (request_id, seq) serves every lookup by
request, and each index of the event table is paid twice per event (its INSERT, and the sequencer's UPDATE of
seq, which writes a new row version with new entries in every index). Only the index is dropped (AlterField
would also drop and re-validate the foreign key over the whole table)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "requests_app_requestevent_request_id_d7a2852e"


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0017_i17_task_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="requestevent",
                    name="request",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="requests_app.legalrequest",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON requests_app_requestevent (request_id)",
                ),
            ],
        ),
    ]
