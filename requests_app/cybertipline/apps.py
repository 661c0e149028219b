from django.apps import AppConfig


class CybertiplineConfig(AppConfig):
    name = "requests_app.cybertipline"
    label = "cybertipline"
    verbose_name = "CyberTipline register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Until the follow-up outbox (branch i11) replaces signals: a new request that cites a
        # CyberTipline report id is linked to it. In the outbox table: request_submitted -> link_cited_reports.
        from requests_app.services import request_submitted

        request_submitted.connect(_on_submitted, dispatch_uid="cybertipline.on_submitted")


def _on_submitted(sender, request_id, **kwargs) -> None:
    from requests_app.cybertipline import tasks

    tasks.link_cited_reports.delay(request_id)
