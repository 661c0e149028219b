"""Forms of the law-enforcement portal: sign-up, the request form, answers,
messages and tokens. They validate input and build service arguments; they
never save anything themselves (the sign-up form calls a service)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from phonenumber_field.formfields import PhoneNumberField

from requests_app import dsa_categories, rules
from requests_app.crypto import DecryptionError
from requests_app.documents import DocumentError, DocumentInput, open_plaintext
from requests_app.intake import process, services
from requests_app.lifecycle import Status
from requests_app.models import Agency, Document
from requests_app.permissions import client_ip
from requests_app.services import SubmissionData

BLANK = [("", "— choose —")]


class DateInput(forms.DateInput):
    input_type = "date"


# ---------------------------------------------------------------------------------
# Sign-up (allauth ACCOUNT_FORMS["signup"])
# ---------------------------------------------------------------------------------


class OfficerSignupForm(SignupForm):
    full_name = forms.CharField(label="Full name", max_length=200)
    rank = forms.CharField(
        label="Role or rank", max_length=100, help_text="E.g. Detective Sergeant, Public Prosecutor."
    )
    phone = PhoneNumberField(
        label="Work phone",
        help_text="In international form, e.g. +44 20 7946 0018. We may call to verify urgent requests.",
    )
    agency_name = forms.CharField(
        label="Agency name",
        max_length=200,
        required=False,
        help_text="Only if your e-mail domain is not already known to us: the agency you work for.",
    )
    agency_country = forms.ChoiceField(label="Agency country", choices=BLANK + list(countries), required=False)
    agency_kind = forms.ChoiceField(label="Kind of agency", choices=BLANK + list(Agency.Kind.choices), required=False)

    field_order = [
        "full_name",
        "email",
        "rank",
        "phone",
        "agency_name",
        "agency_country",
        "agency_kind",
        "password1",
        "password2",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Official e-mail"
        self.fields["email"].help_text = "Your work address at your agency; we send a confirmation link to it."
        self.agency: Agency | None = None

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if not email:
            return cleaned
        self.agency = services.agency_for_email(email)
        if self.agency is not None:
            if self.agency.verification_status == Agency.Verification.SUSPENDED:
                self.add_error(
                    "email", "This agency's access to the portal is suspended; contact the platform's legal team."
                )
            return cleaned
        # A new domain: one explanation for the form, and one precise message per missing field (issue 16).
        missing = {
            "agency_name": _("Enter the name of your agency."),
            "agency_country": _("Choose your agency's country."),
            "agency_kind": _("Choose the kind of agency."),
        }
        missing = {name: message for name, message in missing.items() if not cleaned.get(name)}
        if missing:
            self.add_error(
                None,
                _(
                    "We do not know the e-mail domain %(domain)s yet: name your agency, its country and kind "
                    "under “Your agency”, and our legal team will verify it before you can sign in."
                )
                % {"domain": email.rsplit("@", 1)[-1]},
            )
            for name, message in missing.items():
                self.add_error(name, message)
        return cleaned

    def signup(self, request, user) -> None:
        data = self.cleaned_data
        new_agency = None
        if self.agency is None:
            new_agency = services.NewAgency(data["agency_name"], data["agency_country"], data["agency_kind"])
        services.officer_register(
            user=user,
            full_name=data["full_name"],
            rank=data["rank"],
            phone=data["phone"],
            new_agency=new_agency,
            ip=client_ip(request),
        )


# ---------------------------------------------------------------------------------
# The request form
# ---------------------------------------------------------------------------------


class CategoryWidget(forms.CheckboxSelectMultiple):
    """Checkboxes for data categories; end-to-end encrypted ones are shown, disabled."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        category = rules.CATEGORIES.get(str(value))
        if category is not None:
            option["category"] = category
            if category.e2ee:
                option["attrs"]["disabled"] = True
        return option


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Each file is judged on its own by read_pdf (check_pdf covers empty and
        # over-large files), so one refused file does not take the others with it.
        files = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def read_pdf(upload) -> DocumentInput:
    """Read and check one uploaded file; DocumentError says what is wrong."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        # Refuse before reading an over-large file into memory.
        limit = settings.DOCUMENT_MAX_BYTES
        raise DocumentError(
            f"{upload.name} is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB. "
            "Split it into smaller PDFs.",
            "too_large",
        )
    return DocumentInput.checked(upload.name, upload.read())


def optional_pdf(upload, *, kind: str) -> DocumentInput | None:
    """The clean_<field> of an optional PDF field: None when nothing was sent, else the checked file
    filed as `kind`; what is wrong with it becomes the field's error."""
    if not upload:
        return None
    try:
        doc = read_pdf(upload)
    except DocumentError as exc:
        raise forms.ValidationError(str(exc), code=exc.code) from exc
    return replace(doc, kind=kind)


# Signed references to PendingUploads kept from an earlier try of the request form.
# The salt is for this use only, so no other signed value of the site can stand in.
KEPT_UPLOAD_SALT = "requests_app.intake.request_form.kept-upload"


def kept_upload_token(upload) -> str:
    """What the redisplayed form carries for one kept file: its id and hash, signed."""
    return signing.dumps([upload.pk, upload.sha256], salt=KEPT_UPLOAD_SALT)


def kept_upload_ref(token: str) -> tuple[int, str] | None:
    """(id, sha256) from a token, or None if it was not signed by us for this use."""
    try:
        pk, sha256 = signing.loads(token, salt=KEPT_UPLOAD_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(pk, int) or not isinstance(sha256, str):
        return None
    return pk, sha256


def read_kept(upload) -> DocumentInput:
    """Decrypt a kept upload and check it again, as if it had just been attached."""
    try:
        content = open_plaintext(upload)
    except (DecryptionError, OSError) as exc:
        raise DocumentError(f"{upload.filename} could not be read back: attach it again.", "broken") from exc
    if hashlib.sha256(content).hexdigest() != upload.sha256:
        raise DocumentError(f"{upload.filename} could not be read back: attach it again.", "broken")
    return DocumentInput.checked(upload.filename, content, kind=upload.kind)


YES = frozenset({"yes", "on", "true", "1"})


class EmergencyField(forms.TypedChoiceField):
    """Yes/no radio buttons that also take the old checkbox's "on" (bookmarked or scripted posts)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=lambda v: str(v).lower() in YES, empty_value=False, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).lower() in YES | {"no", "off", "false", "0"}


class RequestForm(forms.Form):
    request_type = forms.ChoiceField(
        label=_("Type of legal process"), choices=BLANK + rules.choices(rules.REQUEST_TYPES)
    )
    legal_framework = forms.ChoiceField(label=_("Legal framework"), choices=BLANK + rules.choices(rules.FRAMEWORKS))
    country = forms.ChoiceField(label=_("Country whose law applies"), choices=BLANK + list(countries))
    issuing_authority = forms.CharField(
        label=_("Issuing authority"),
        max_length=200,
        help_text=_("E.g. Westminster Magistrates' Court, Judge A. Smith."),
    )
    authority_kind = forms.ChoiceField(
        label=_("Kind of authority"), choices=BLANK + rules.choices(rules.AUTHORITY_KINDS)
    )
    legal_basis = forms.CharField(label=_("Legal basis (statute or article)"), max_length=300, required=False)
    case_number = forms.CharField(label=_("Your case number"), max_length=100, required=False)
    data_categories = forms.MultipleChoiceField(
        label=_("Data requested"), choices=rules.choices(rules.CATEGORIES), widget=CategoryWidget, required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    # The one way to mark an emergency (issue 16): this answer. The emergency disclosure request
    # (request_type "emergency") answers it by itself (requests_app.intake.process.applicable).
    emergency = EmergencyField(
        label=_("Is anyone in imminent danger of death or serious physical injury?"),
        choices=[("no", _("No")), ("yes", _("Yes: this is an emergency"))],
        widget=forms.RadioSelect,
        required=False,
    )
    emergency_justification = forms.CharField(
        label=_("Emergency justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who is in danger of death or serious physical injury, and why it is imminent."),
    )
    emergency_attested = forms.BooleanField(
        label=_("I attest that these facts are true to the best of my knowledge."), required=False
    )
    judicial_validation = forms.BooleanField(
        label=_("The order was validated by a judge or court (European orders)"), required=False
    )
    # Reg. 2023/1543 Art. 3(10): IP logs are identification data only when asked for to identify the user.
    ip_identification_only = forms.BooleanField(
        label=_("IP addresses are requested only to identify the user at given times (European orders)"), required=False
    )
    ip_identification_times = forms.CharField(
        label=_("Dates and times (UTC) to identify the user for"), required=False, max_length=500
    )
    # Reg. 2023/1543 Art. 8(2): no notification of the enforcing State when offence and person are domestic.
    epoc_domestic_exception = forms.BooleanField(
        label="European Production Order: I have reasonable grounds to believe the offence was committed, is being "
        "committed or is likely to be committed in my State, and the person whose data are sought resides there "
        "(Art. 8(2): the enforcing State is not notified)",
        required=False,
    )
    doj_warrant = forms.BooleanField(
        label=_("Mutual legal assistance: the U.S. Department of Justice obtained a search warrant (attached)"),
        required=False,
    )
    cloud_act_non_us_person = forms.BooleanField(label=_("CLOUD Act: the target is not a U.S. person"), required=False)
    cloud_act_outside_us = forms.BooleanField(
        label=_("CLOUD Act: the target is located outside the United States"), required=False
    )
    cloud_act_independent_review = forms.BooleanField(
        label=_("CLOUD Act: the order was reviewed by a court, judge or other independent authority"), required=False
    )
    ndo = forms.BooleanField(label=_("A nondisclosure order forbids telling the user"), required=False)
    ndo_until = forms.DateField(label=_("Nondisclosure order ends on"), required=False, widget=DateInput)
    ndo_indefinite = forms.BooleanField(label=_("The nondisclosure order has no end date"), required=False)
    dsa_category = forms.ChoiceField(
        label=_("Category of illegal content (EU Digital Services Act orders)"),
        choices=dsa_categories.officer_choices(),
        required=False,
        help_text=_("For an order from an EU Member State's authority: the kind of illegal content it concerns."),
    )
    ndo_document = forms.FileField(
        label=_("The nondisclosure order (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    documents = MultipleFileField(label=_("Legal process (PDF, one or more)"), required=False)
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the warnings above and want to submit anyway."), required=False
    )

    def __init__(self, *args, kept_kinds: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # Country names in the language of the request, sorted in it (django-countries).
        self.fields["country"].choices = BLANK + list(countries)
        # Kinds of the files kept from the last try (requests_app.intake.models.PendingUpload).
        self.kept_kinds = set(kept_kinds)
        data = self.data if self.is_bound else self.initial
        self.process = str(data.get("request_type") or "")
        if self.process not in rules.REQUEST_TYPES:
            self.process = ""
        raw_emergency = data.get("emergency")
        self.emergency_answer = process.is_emergency(self.process, str(raw_emergency).lower() in YES)
        ndo = str(data.get("ndo") or "").lower() in YES
        self.sections = process.active_sections(self.process, emergency=self.emergency_answer, ndo=ndo)
        if self.process:
            # Only the frameworks the chosen process exists in; the only one is chosen for the officer.
            frameworks = rules.REQUEST_TYPES[self.process].frameworks
            self.fields["legal_framework"].choices = BLANK + [
                (code, label) for code, label in rules.choices(rules.FRAMEWORKS) if code in frameworks
            ]
            if len(frameworks) == 1:
                self.fields["legal_framework"].initial = frameworks[0]
                if self.is_bound and not self.data.get("legal_framework"):
                    self.data = self.data.copy()
                    self.data["legal_framework"] = frameworks[0]
        if self.process == process.EMERGENCY_TYPE:
            # The emergency disclosure request is the answer "yes"; shown so, whatever was posted.
            self.fields["emergency"].initial = "yes"
            if self.is_bound and str(self.data.get("emergency") or "").lower() not in YES:
                self.data = self.data.copy()
                self.data["emergency"] = "yes"

    def clean(self):
        cleaned = super().clean()
        # Questions that do not apply to the process (hidden sections) are not taken into account.
        if process.is_emergency(cleaned.get("request_type") or "", bool(cleaned.get("emergency"))):
            cleaned["emergency"] = True
        for name in process.inactive_fields(
            cleaned.get("request_type") or "", emergency=bool(cleaned.get("emergency")), ndo=bool(cleaned.get("ndo"))
        ):
            cleaned[name] = self.fields[name].to_python(None) if name != "ndo_document" else None
        self.document_inputs: list[DocumentInput] = []
        for upload in cleaned.get("documents") or []:
            try:
                self.document_inputs.append(read_pdf(upload))
            except DocumentError as exc:
                self.add_error("documents", str(exc))
        ndo_file = cleaned.get("ndo_document")
        if ndo_file:
            try:
                doc = read_pdf(ndo_file)
                self.document_inputs.append(replace(doc, kind=Document.Kind.NDO))
            except DocumentError as exc:
                self.add_error("ndo_document", str(exc))
        has_ndo = bool(ndo_file) or Document.Kind.NDO in self.kept_kinds
        if cleaned.get("ndo") and not has_ndo and not self.errors.get("ndo_document"):
            self.add_error("ndo_document", _("Attach the nondisclosure order as a PDF."))
        return cleaned

    def submission_data(self, targets: list[tuple[str, str]]) -> SubmissionData:
        c = self.cleaned_data
        return process.applicable(
            SubmissionData(
                request_type=c["request_type"],
                legal_framework=c["legal_framework"],
                country=c["country"],
                data_categories=list(c.get("data_categories") or []),
                targets=targets,
                authority_kind=c.get("authority_kind") or "",
                issuing_authority=c.get("issuing_authority") or "",
                legal_basis=c.get("legal_basis") or "",
                case_number=c.get("case_number") or "",
                date_from=c.get("date_from"),
                date_to=c.get("date_to"),
                emergency=bool(c.get("emergency")),
                emergency_justification=c.get("emergency_justification") or "",
                emergency_attested=bool(c.get("emergency_attested")),
                judicial_validation=bool(c.get("judicial_validation")),
                ip_identification_times=c.get("ip_identification_times") or "",
                ip_identification_only=bool(c.get("ip_identification_only")),
                epoc_domestic_exception=bool(c.get("epoc_domestic_exception")),
                doj_warrant=bool(c.get("doj_warrant")),
                cloud_act_non_us_person=bool(c.get("cloud_act_non_us_person")),
                cloud_act_outside_us=bool(c.get("cloud_act_outside_us")),
                cloud_act_independent_review=bool(c.get("cloud_act_independent_review")),
                ndo=bool(c.get("ndo")),
                ndo_until=c.get("ndo_until"),
                ndo_indefinite=bool(c.get("ndo_indefinite")),
                dsa_category=c.get("dsa_category") or "",
            )
        )


class TargetForm(forms.Form):
    identifier_type = forms.ChoiceField(
        label=_("Identifier type"), choices=BLANK + rules.choices(rules.TARGET_TYPES), required=False
    )
    value = forms.CharField(label=_("Identifier"), max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value", "").strip() and not cleaned.get("identifier_type"):
            self.add_error("identifier_type", _("Say what kind of identifier this is."))
        return cleaned


TargetFormSet = forms.formset_factory(TargetForm, extra=3, max_num=50, validate_max=True)


def targets_of(formset) -> list[tuple[str, str]]:
    return [
        (f.cleaned_data["identifier_type"], f.cleaned_data["value"].strip())
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and f.cleaned_data.get("value", "").strip()
    ]


def draft_from_post(data, files_present: bool) -> tuple[SubmissionData, bool]:
    """A best-effort draft from raw POST data, for the live check: nothing is validated yet."""
    from datetime import date

    def _date(name: str):
        try:
            return date.fromisoformat(data.get(name, ""))
        except ValueError:
            return None

    targets = []
    try:
        total = min(int(data.get("targets-TOTAL_FORMS", "0")), 50)
    except ValueError:
        total = 0
    for i in range(total):
        value = data.get(f"targets-{i}-value", "").strip()
        if value:
            targets.append((data.get(f"targets-{i}-identifier_type", ""), value))
    on = YES
    return (
        process.applicable(
            SubmissionData(
                request_type=data.get("request_type", ""),
                legal_framework=data.get("legal_framework", ""),
                country=data.get("country", ""),
                data_categories=data.getlist("data_categories"),
                targets=targets,
                authority_kind=data.get("authority_kind", ""),
                case_number=data.get("case_number", ""),
                date_from=_date("date_from"),
                date_to=_date("date_to"),
                emergency=data.get("emergency") in on,
                emergency_justification=data.get("emergency_justification", ""),
                emergency_attested=data.get("emergency_attested") in on,
                judicial_validation=data.get("judicial_validation") in on,
                legal_basis=data.get("legal_basis", ""),
                ip_identification_times=data.get("ip_identification_times", ""),
                ip_identification_only=data.get("ip_identification_only") in on,
                epoc_domestic_exception=data.get("epoc_domestic_exception") in on,
                doj_warrant=data.get("doj_warrant") in on,
                cloud_act_non_us_person=data.get("cloud_act_non_us_person") in on,
                cloud_act_outside_us=data.get("cloud_act_outside_us") in on,
                cloud_act_independent_review=data.get("cloud_act_independent_review") in on,
                ndo=data.get("ndo") in on,
                ndo_until=_date("ndo_until"),
                ndo_indefinite=data.get("ndo_indefinite") in on,
                dsa_category=data.get("dsa_category", ""),
            )
        ),
        files_present,
    )


# ---------------------------------------------------------------------------------
# After submission
# ---------------------------------------------------------------------------------


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=services.MESSAGE_MAX_CHARS
    )


class DocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})
    )

    def clean_document(self):
        try:
            doc = read_pdf(self.cleaned_data["document"])
        except DocumentError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from exc
        return replace(doc, kind=Document.Kind.SUPPLEMENT)


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=services.MESSAGE_MAX_CHARS,
    )
    document = forms.FileField(
        label=_("Document (PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_document(self):
        return optional_pdf(self.cleaned_data.get("document"), kind=Document.Kind.SUPPLEMENT)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("body") or "").strip() and not cleaned.get("document"):
            raise forms.ValidationError(_("Write an answer or attach a document."))
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing it? (optional)"), max_length=500, required=False)


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("Any status"))] + list(Status.choices), required=False)
    q = forms.CharField(label=_("Reference or case number"), max_length=100, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100, help_text="The system that will use it, e.g. “case system”."
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=[(30, "30 days"), (90, "90 days"), (365, "1 year"), (0, "Never")],
        initial=90,
    )
