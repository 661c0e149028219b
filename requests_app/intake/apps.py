from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "requests_app.intake"
    label = "intake"
    verbose_name = "Law-enforcement portal and API"

    def ready(self) -> None:
        from requests_app.services import request_submitted

        request_submitted.connect(_acknowledge, dispatch_uid="intake-acknowledge")


def _acknowledge(sender, request_id: int, **kwargs) -> None:
    # Already after commit (the core sends the signal from on_commit).
    from requests_app.intake.tasks import send_acknowledgement

    send_acknowledgement.delay(request_id)
