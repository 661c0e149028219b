from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "requests_app.production"
    label = "production"
    verbose_name = "Production, preservation and user notice"

    def ready(self) -> None:
        from requests_app.services import request_submitted, request_transitioned

        request_transitioned.connect(_on_transition, dispatch_uid="production.on_transition")
        request_submitted.connect(_on_submitted, dispatch_uid="production.on_submitted")


def _on_transition(sender, request_id, source, target, actor_id=None, **kwargs) -> None:
    # Sent after commit: queue the follow-up work (eager in development, a worker in production).
    from requests_app import rules
    from requests_app.lifecycle import Status
    from requests_app.models import LegalRequest
    from requests_app.production import tasks

    if target == Status.CLOSED:
        tasks.create_notices.delay(request_id)
    elif target in (Status.APPROVED, Status.PARTIALLY_APPROVED) and source != Status.PRODUCING:
        request_type = LegalRequest.objects.filter(pk=request_id).values_list("request_type", flat=True).first()
        if request_type in rules.PRESERVATION_TYPES:
            tasks.preserve_approved_request.delay(request_id)


def _on_submitted(sender, request_id, **kwargs) -> None:
    from requests_app.production import tasks

    tasks.provisional_holds.delay(request_id)
    tasks.link_followups.delay(request_id)
