"""The queue's filters (django-filter). Every filter maps onto an indexed column or a
cheap correlated subquery, so a page costs the same at 1k and 1M requests."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django_countries import countries

from requests_app import rules
from requests_app.lifecycle import DEADLINE_STATES, Status
from requests_app.models import STAFF_ROLES, Agency, LegalRequest, Target


def staff_users():
    return (
        get_user_model()
        .objects.filter(officer__role__in=list(STAFF_ROLES), officer__status="active")
        .select_related("officer")
        .order_by("officer__full_name")
    )


YES_NO = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class StaffChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.officer.full_name or obj.email


class StaffFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class QueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Reference, case number or account")
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Open (any)")
    request_type = django_filters.ChoiceFilter(
        choices=rules.choices(rules.REQUEST_TYPES), label="Type", empty_label="Any"
    )
    country = django_filters.ChoiceFilter(choices=list(countries), label="Country", empty_label="Any")
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.order_by("name"), empty_label="Any")
    assignee = StaffFilter(queryset=staff_users(), null_label="Nobody", label="Assigned to", empty_label="Anyone")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue", widget=YES_NO)
    emergency = django_filters.BooleanFilter(label="Emergency", widget=YES_NO)

    class Meta:
        model = LegalRequest
        fields = ["q", "status", "request_type", "country", "agency", "assignee", "overdue", "emergency"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["assignee"].queryset = staff_users()

    def search(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        keys = {value, value.lower(), value.lstrip("@").lower()}
        digits = re.sub(r"[^\d+]", "", value)
        if digits:
            keys |= {digits, digits.lstrip("+"), "+" + digits.lstrip("+")}
        target = Target.objects.filter(request=OuterRef("pk"), value__in=keys)
        return queryset.filter(Q(reference=value.upper()) | Q(case_number=value) | Exists(target))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=DEADLINE_STATES, due_at__lt=self.now, clock_paused_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    @property
    def now(self):
        from django.utils import timezone

        return getattr(self, "_now", None) or timezone.now()
