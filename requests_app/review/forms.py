"""Forms of the legal workspace: they check input; the services do the work."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from requests_app import rules
from requests_app.models import Decision, LegalRequest
from requests_app.review.models import EmergencyVerification
from requests_app.review.services import REJECTION_REASONS
from requests_app.widgets import datetime_local


class VerificationForm(forms.Form):
    contact_name = forms.CharField(label="Whom you spoke to (name, rank)", max_length=200)
    directory_number = forms.CharField(label="Number you called", max_length=40)
    directory_source = forms.CharField(
        label="Official directory the number comes from",
        max_length=200,
        help_text="Never a number given in the request itself.",
    )
    called_at = forms.DateTimeField(
        label="When you called (UTC)",
        widget=datetime_local(),
        initial=timezone.now,
    )
    result = forms.ChoiceField(choices=EmergencyVerification.Result.choices, widget=forms.RadioSelect)
    good_faith_belief = forms.BooleanField(
        label="I believe in good faith that the emergency involves danger of death or serious physical injury",
        required=False,
        help_text="18 U.S.C. 2702(b)(8), (c)(4): needed to confirm the emergency.",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class InfoForm(forms.Form):
    question = forms.CharField(label="What the agency must send or explain", widget=forms.Textarea(attrs={"rows": 3}))


class ResumeForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=400)


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(label="Reason", choices=REJECTION_REASONS)
    note = forms.CharField(label="Note to the agency", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(forms.Form):
    category = forms.ChoiceField(choices=rules.choices(rules.CATEGORIES), widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=Decision.Verdict.choices)
    reason_code = forms.ChoiceField(
        label="Reason (when denying)",
        choices=[("", "—"), *[(c.value, c.label) for c in LegalRequest.RejectionReason]],
        required=False,
    )
    note = forms.CharField(required=False, max_length=1000)


class ApproveForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=400)


class MessageForm(forms.Form):
    body = forms.CharField(label="Message to the agency", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ValidationForm(forms.Form):
    """Reg. 2023/1543 Art. 4(5): the ex-post validation of an emergency order, or its refusal."""

    outcome = forms.ChoiceField(
        label="Decision of the validating authority",
        choices=[("validated", "Validated"), ("refused", "Refused (the order is withdrawn)")],
        widget=forms.RadioSelect,
    )
    validator = forms.CharField(label="Judge, court or prosecutor who decided", max_length=200)
    at = forms.DateTimeField(
        label="When they decided (UTC)",
        widget=datetime_local(),
        initial=timezone.now,
    )


class EnforcingForm(forms.Form):
    """Reg. 2023/1543 Art. 8(1), 10(2), 12: the enforcing State's notification and answer."""

    event = forms.ChoiceField(choices=[("notified", "notified"), ("confirmed", "confirmed"), ("refused", "refused")])
    at = forms.DateTimeField(
        label="When (UTC)",
        widget=datetime_local(),
        required=False,
    )


class DangerOverForm(forms.Form):
    note = forms.CharField(label="How you know the danger is over", max_length=400)


class NoticeDecisionForm(forms.Form):
    notify = forms.ChoiceField(
        label="User notice",
        choices=[("notify", "Tell the user"), ("withhold", "Do not tell the user")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason (e.g. the requesting State's confidentiality terms)", max_length=400)


class ChangeDecisionForm(DecisionForm):
    """Changing a decision already made is its own action, with the reason for the change."""

    why = forms.CharField(label="Why the decision changes", max_length=400)


class SavedViewForm(forms.Form):
    name = forms.CharField(label="Name of this view", max_length=60)


class NoteForm(forms.Form):
    body = forms.CharField(label="Internal note (the agency never sees it)", widget=forms.Textarea(attrs={"rows": 3}))
