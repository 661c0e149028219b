from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "requests_app.review"
    label = "review"
