"""Forms of the production app: they check input; the services do the work."""

from __future__ import annotations

from django import forms


class NdoForm(forms.Form):
    """A nondisclosure order recorded, extended (18 U.S.C. 2705(b)) or replaced after submission."""

    until = forms.DateField(
        label="The order runs until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    indefinite = forms.BooleanField(label="The order is indefinite", required=False)
    extension_pending = forms.BooleanField(
        label="An extension was applied for and is not decided yet (no notice leaves meanwhile)", required=False
    )
    document = forms.FileField(
        label="The signed order (PDF)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_document(self):
        from requests_app.intake.forms import optional_pdf
        from requests_app.models import Document

        return optional_pdf(self.cleaned_data.get("document"), kind=Document.Kind.NDO)
