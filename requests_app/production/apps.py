from django.apps import AppConfig


class ProductionConfig(AppConfig):
    """Its follow-ups (holds, notices, builds) are declared in requests_app.followups."""

    name = "requests_app.production"
    label = "production"
    verbose_name = "Production, preservation and user notice"
