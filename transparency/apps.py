from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """Its follow-ups (report facts, report builds) are declared in requests_app.followups."""

    name = "transparency"
    default_auto_field = "django.db.models.BigAutoField"
