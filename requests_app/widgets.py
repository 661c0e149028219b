"""Form widgets shared by the apps' forms."""

from __future__ import annotations

from django import forms


def datetime_local() -> forms.DateTimeInput:
    """The browser's date-and-time picker; the value round-trips in the format it posts (minutes, no zone)."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
