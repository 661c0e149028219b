"""The hash chain becomes the first leaves of the Merkle tree, in chain order; the chain's columns and head go.

Every chained event gets a salt, its leaf hash and its position (its chain seq); the tree's complete subtrees
are stored. The first checkpoint is signed by the sequencer's next run (`manage.py verify_audit` or any write),
since signing needs LOG_SIGNING_KEY, which a migration should not depend on.
"""

import secrets

import django.utils.timezone
from django.db import migrations, models


def chain_to_tree(apps, schema_editor):
    from requests_app import tlog
    from requests_app.audit import canonical

    Event = apps.get_model("requests_app", "RequestEvent")
    Node = apps.get_model("requests_app", "LogNode")
    stack: list[tuple[int, int, bytes]] = []
    nodes: list = []
    events: list = []
    position = 0

    def flush():
        Event.objects.bulk_update(events, ["seq", "salt", "leaf_hash", "sequenced_at"], batch_size=1000)
        Node.objects.bulk_create(nodes, batch_size=1000)
        events.clear()
        nodes.clear()

    for event in Event.objects.order_by("seq").iterator(2000):
        event.seq = position + 1
        event.salt = secrets.token_hex(16)
        leaf = tlog.leaf_hash(canonical(event))
        event.leaf_hash = leaf.hex()
        event.sequenced_at = event.created_at
        events.append(event)
        nodes.append(Node(level=0, index=position, hash=leaf.hex()))
        stack.append((0, position, leaf))
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            level, _, right = stack.pop()
            _, left_index, left = stack.pop()
            parent = (level + 1, left_index // 2, tlog.node_hash(left, right))
            stack.append(parent)
            nodes.append(Node(level=parent[0], index=parent[1], hash=parent[2].hex()))
        position += 1
        if len(events) >= 2000:
            flush()
    flush()


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0007_legal_safeguards")]

    operations = [
        migrations.AlterField(
            model_name="requestevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="requestevent", name="salt", field=models.CharField(default="", max_length=32), preserve_default=False
        ),
        migrations.AddField(
            model_name="requestevent", name="leaf_hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AddField(
            model_name="requestevent", name="sequenced_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.CreateModel(
            name="LogNode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField()),
                ("index", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("level", "index"), name="log_node_position")]
            },
        ),
        migrations.CreateModel(
            name="LogCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("size", models.PositiveBigIntegerField(unique=True)),
                ("root", models.CharField(max_length=64)),
                ("note", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"ordering": ["-size"]},
        ),
        migrations.RunPython(chain_to_tree, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="requestevent", name="prev_hash"),
        migrations.RemoveField(model_name="requestevent", name="hash"),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.AddIndex(
            model_name="requestevent",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="event_pending"),
        ),
    ]
