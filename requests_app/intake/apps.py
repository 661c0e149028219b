from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "requests_app.intake"
    label = "intake"
