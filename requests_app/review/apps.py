from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """Its follow-ups (letters, escalations) are declared in requests_app.followups."""

    name = "requests_app.review"
    label = "review"
    verbose_name = "Legal review"
