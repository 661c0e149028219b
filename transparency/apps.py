from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "transparency"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from requests_app.services import request_transitioned
        from transparency.facts import on_request_transitioned

        request_transitioned.connect(on_request_transitioned, dispatch_uid="transparency_facts")
