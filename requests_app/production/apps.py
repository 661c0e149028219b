from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "requests_app.production"
    label = "production"
