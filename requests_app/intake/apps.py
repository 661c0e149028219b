from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "requests_app.intake"
    label = "intake"
    verbose_name = "Law-enforcement portal and API"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from requests_app.intake.models import PendingUpload

        post_delete.connect(_delete_kept_file, sender=PendingUpload, dispatch_uid="intake-kept-file")


def _delete_kept_file(sender, instance, **kwargs) -> None:
    """A kept upload's encrypted file goes with its row, once the deletion is committed (however the
    row was deleted: used, removed, expired, or by an operator)."""
    from django.db import transaction

    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
