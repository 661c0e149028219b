"""Forms of the register: they check input; services do the work."""

from __future__ import annotations

from datetime import UTC

from django import forms

from requests_app.cybertipline import rules
from requests_app.widgets import datetime_local

DT = datetime_local()


def _utc(value):
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class ReportForm(forms.Form):
    incident_type = forms.ChoiceField(
        choices=[(k, f"{v.label} ({v.statutes})") for k, v in rules.INCIDENT_TYPES.items()]
    )
    knowledge_at = forms.DateTimeField(label="Actual knowledge at (UTC)", widget=DT)
    detection_source = forms.ChoiceField(choices=list(rules.DETECTION_SOURCES.items()))
    hash_list = forms.CharField(label="Hash list", required=False, max_length=100)
    summary = forms.CharField(label="What the reviewer saw", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    user_id = forms.CharField(label="User id", max_length=40)
    username = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(label="Phone (E.164)", required=False, max_length=30)
    signup_ip = forms.GenericIPAddressField(label="Sign-up IP", required=False)
    upload_ip = forms.GenericIPAddressField(label="Upload IP", required=False)
    upload_port = forms.IntegerField(label="Upload port", required=False, min_value=0, max_value=65535)
    upload_at = forms.DateTimeField(label="Upload time (UTC)", required=False, widget=DT)
    file = forms.FileField(label="File", required=False)
    perceptual_hash = forms.CharField(label="Perceptual hash", required=False, max_length=300)
    chat_type = forms.ChoiceField(choices=list(rules.CHAT_TYPES.items()), initial="private_chat")
    publicly_available = forms.BooleanField(required=False)
    withheld_fields = forms.MultipleChoiceField(
        label="Withhold from NCMEC",
        choices=list(rules.SENDABLE_FIELDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    withheld_reason = forms.CharField(label="Why withheld", required=False, max_length=500)
    eu_nexus = forms.BooleanField(label="EU nexus", required=False)
    eu_legal_basis = forms.ChoiceField(choices=list(rules.EU_LEGAL_BASES.items()), initial="none")

    def clean_knowledge_at(self):
        return _utc(self.cleaned_data["knowledge_at"])

    def clean_upload_at(self):
        return _utc(self.cleaned_data.get("upload_at"))


class ReviewForm(forms.Form):
    note = forms.CharField(label="Review note", required=False, max_length=500)
    viewed = forms.MultipleChoiceField(label="Files I viewed", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, files_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["viewed"].choices = files_choices


class RetractForm(forms.Form):
    reason = forms.CharField(label="Reason for retraction", max_length=500)


class HoldExtendForm(forms.Form):
    until = forms.DateField(label="Keep until", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", max_length=500)


class LinkForm(forms.Form):
    reference = forms.CharField(label="Request reference", max_length=20)
