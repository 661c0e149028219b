"""Staff page for verifying agencies and officers (mounted at /legal/agencies/)."""

from django.urls import path  # noqa: F401

app_name = "agencies"
urlpatterns: list = []
