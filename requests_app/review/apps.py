from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "requests_app.review"
    label = "review"
    verbose_name = "Legal review"

    def ready(self) -> None:
        from requests_app.review.tasks import on_request_overdue
        from requests_app.services import request_overdue

        request_overdue.connect(on_request_overdue, dispatch_uid="review-escalate-overdue")
