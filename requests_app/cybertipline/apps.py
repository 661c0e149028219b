from django.apps import AppConfig


class CybertiplineConfig(AppConfig):
    """Its follow-ups (linking cited reports, NCMEC submissions) are declared in requests_app.followups."""

    name = "requests_app.cybertipline"
    label = "cybertipline"
    verbose_name = "CyberTipline register"
    default_auto_field = "django.db.models.BigAutoField"
