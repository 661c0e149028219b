"""The DSA taxonomy of illegal content of the Commission's transparency templates (pure data).

Source: Commission Implementing Regulation (EU) 2024/2835, Annex I ("Templates for Transparency
Reports"), sheet 3 "member states orders", column "Category of illegal content", and Annex II
section 7 ("Categories of illegal and incompatible content"), as published by the Commission in CSV
and kept in the public repository github:johnou/dsa-transparency-report-generator
(src/main/resources/4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_3_member_states_orders.csv
and Annex_II__Instructions_for_filling_in_the_transparency_reports_templates_under_Annex_I.PDF).

A stored value is a high-level category code without its ``STATEMENT_CATEGORY_`` prefix
("SCAMS_AND_FRAUD"), or a category and one of its sub-categories without the ``KEYWORD_`` prefix
("SCAMS_AND_FRAUD/PHISHING"). The officer chooses the category (``officer_choices``, translated);
the legal reviewer may correct it and add the sub-category (``reviewer_choices``, the English legal
workspace). ``NOT_SPECIFIED_ORDER`` is Annex II Category 16, "type of illegal content not specified
by the public authority". Categories 15 (terms and conditions) and 17 (notices) do not apply to orders.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as _

NOT_SPECIFIED = "NOT_SPECIFIED_ORDER"
SEP = "/"

# code -> English label, in the template's order (Annex II Categories 1-14, then 16); marked for
# translation (the officer's form shows them in the page language, see CATEGORIES).
LABELS: dict[str, str] = {
    "ANIMAL_WELFARE": _("Animal welfare"),
    "CONSUMER_INFORMATION": _("Consumer information infringements"),
    "CYBER_VIOLENCE": _("Cyber violence"),
    "CYBER_VIOLENCE_AGAINST_WOMEN": _("Cyber violence against women"),
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": _("Data protection and privacy violations"),
    "ILLEGAL_OR_HARMFUL_SPEECH": _("Illegal or harmful speech"),
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS": _("Intellectual property infringements"),
    "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": _("Negative effects on civic discourse or elections"),
    "PROTECTION_OF_MINORS": _("Protection of minors"),
    "RISK_FOR_PUBLIC_SECURITY": _("Risk for public security"),
    "SCAMS_AND_FRAUD": _("Scams and/or fraud"),
    "SELF_HARM": _("Self-harm"),
    "UNSAFE_AND_PROHIBITED_PRODUCTS": _("Unsafe, non-compliant or prohibited products"),
    "VIOLENCE": _("Violence"),
    NOT_SPECIFIED: _("Type of illegal content not specified by the public authority"),
}
CATEGORIES = {code: gettext_lazy(text) for code, text in LABELS.items()}

# category -> {sub-category code: label}, in the template's order; KEYWORD_OTHER is not listed here
# (the export uses it for orders whose sub-category was not recorded, with a description).
KEYWORDS: dict[str, dict[str, str]] = {
    "ANIMAL_WELFARE": {"ANIMAL_HARM": "Animal harm", "UNLAWFUL_SALE_ANIMALS": "Unlawful sale of animals"},
    "CONSUMER_INFORMATION": {
        "HIDDEN_ADVERTISEMENT": "Hidden advertisement or commercial communication, including by influencers",
        "INSUFFICIENT_INFORMATION_ON_TRADERS": "Insufficient information on traders",
        "MISLEADING_INFO_GOODS_SERVICES": "Misleading information about the characteristics of the goods and services",
        "MISLEADING_INFO_CONSUMER_RIGHTS": "Misleading information about the consumer's rights",
        "NONCOMPLIANCE_PRICING": "Non-compliance with pricing regulations",
    },
    "CYBER_VIOLENCE": {
        "CYBER_BULLYING_INTIMIDATION": "Cyber bullying and intimidation",
        "CYBER_HARASSMENT": "Cyber harassment",
        "CYBER_INCITEMENT": "Cyber incitement to hatred or violence",
        "CYBER_STALKING": "Cyber stalking",
        "NON_CONSENSUAL_IMAGE_SHARING": "Non-consensual (intimate) material sharing (excluding content depicting minors)",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE": "Non-consensual sharing of deepfake material (excluding content depicting minors)",
    },
    "CYBER_VIOLENCE_AGAINST_WOMEN": {
        "BULLYING_AGAINST_GIRLS": "Cyber bullying and intimidation against girls",
        "CYBER_HARASSMENT_AGAINST_WOMEN": "Cyber harassment against women",
        "CYBER_STALKING_AGAINST_WOMEN": "Cyber stalking against women",
        "FEMALE_GENDERED_DISINFORMATION": "Gendered disinformation",
        "INCITEMENT_AGAINST_WOMEN": "Illegal incitement to violence and hatred against women",
        "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN": "Non-consensual (intimate) material sharing against women",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN": "Non-consensual sharing of deepfake material against women",
    },
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": {
        "BIOMETRIC_DATA_BREACH": "Biometric data breach",
        "DATA_FALSIFICATION": "Data falsification",
        "MISSING_PROCESSING_GROUND": "Missing processing ground for data",
        "RIGHT_TO_BE_FORGOTTEN": "Right to be forgotten",
    },
    "ILLEGAL_OR_HARMFUL_SPEECH": {
        "DEFAMATION": "Defamation",
        "DISCRIMINATION": "Discrimination",
        "HATE_SPEECH": "Illegal incitement to violence and hatred based on protected characteristics (hate speech)",
    },
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS": {
        "COPYRIGHT_INFRINGEMENT": "Copyright infringements",
        "DESIGN_INFRINGEMENT": "Design infringements",
        "GEOGRAPHIC_INDICATIONS_INFRINGEMENT": "Geographical indications infringements",
        "PATENT_INFRINGEMENT": "Patent infringements",
        "TRADE_SECRET_INFRINGEMENT": "Trade secret infringements",
        "TRADEMARK_INFRINGEMENT": "Trademark infringements",
    },
    "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": {
        "MISINFORMATION_DISINFORMATION": "Misinformation, disinformation, foreign information manipulation and interference",
        "VIOLATION_EU_LAW": "Violation of EU law relevant to civic discourse or elections",
        "VIOLATION_NATIONAL_LAW": "Violation of national law relevant to civic discourse or elections",
    },
    "PROTECTION_OF_MINORS": {
        "AGE_SPECIFIC_RESTRICTIONS_MINORS": "Age-specific restrictions concerning minors",
        "CHILD_SEXUAL_ABUSE_MATERIAL": "Child sexual abuse material",
        "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE": "Child sexual abuse material containing deepfake or similar technology",
        "GROOMING_SEXUAL_ENTICEMENT_MINORS": "Grooming/sexual enticement of minors",
        "UNSAFE_CHALLENGES": "Unsafe challenges",
    },
    "RISK_FOR_PUBLIC_SECURITY": {
        "ILLEGAL_ORGANIZATIONS": "Illegal organizations",
        "RISK_ENVIRONMENTAL_DAMAGE": "Risk for environmental damage",
        "RISK_PUBLIC_HEALTH": "Risk for public health",
        "TERRORIST_CONTENT": "Terrorist content",
    },
    "SCAMS_AND_FRAUD": {
        "IMPERSONATION_ACCOUNT_HIJACKING": "Impersonation or account hijacking",
        "INAUTHENTIC_ACCOUNTS": "Inauthentic accounts",
        "INAUTHENTIC_LISTINGS": "Inauthentic listings",
        "INAUTHENTIC_USER_REVIEWS": "Inauthentic user reviews",
        "PHISHING": "Phishing",
        "PYRAMID_SCHEMES": "Pyramid schemes",
    },
    "SELF_HARM": {
        "CONTENT_PROMOTING_EATING_DISORDERS": "Content promoting eating disorders",
        "SELF_MUTILATION": "Self-mutilation",
        "SUICIDE": "Suicide",
    },
    "UNSAFE_AND_PROHIBITED_PRODUCTS": {
        "PROHIBITED_PRODUCTS": "Prohibited or restricted products",
        "UNSAFE_PRODUCTS": "Unsafe or non-compliant products",
    },
    "VIOLENCE": {
        "COORDINATED_HARM": "Coordinated harm",
        "INCITEMENT_VIOLENCE_HATRED": "General calls or incitement to violence and/or hatred",
        "HUMAN_EXPLOITATION": "Human exploitation",
        "HUMAN_TRAFFICKING": "Human trafficking",
        "TRAFFICKING_WOMEN_GIRLS": "Trafficking in women and girls",
    },
    NOT_SPECIFIED: {},
}

# Codes of the taxonomy before schema 3 (the DSA Transparency Database's older list) -> Annex I codes;
# "" where there is no counterpart (the reviewer re-categorises). Used by migration 0016_i14_dsa_taxonomy.
LEGACY = {
    "NON_CONSENSUAL_BEHAVIOUR": "CYBER_VIOLENCE",
    "UNSAFE_AND_ILLEGAL_PRODUCTS": "UNSAFE_AND_PROHIBITED_PRODUCTS",
    "PORNOGRAPHY_OR_SEXUALIZED_CONTENT": "",
    "SCOPE_OF_PLATFORM_SERVICE": "",
    "OTHER": "",
}


def split(value: str) -> tuple[str, str]:
    """("CATEGORY", "KEYWORD" or "") of a stored value; ("", "") for blank or unknown."""
    category, _sep, keyword = (value or "").partition(SEP)
    if category not in CATEGORIES or (keyword and keyword not in KEYWORDS[category]):
        return "", ""
    return category, keyword


def is_valid(value: str) -> bool:
    """Blank (not categorised), a category, or a category with one of its sub-categories."""
    return not value or split(value) != ("", "")


def label(value: str) -> str:
    category, keyword = split(value)
    if not category:
        return ""
    return f"{LABELS[category]} — {KEYWORDS[category][keyword]}" if keyword else LABELS[category]


def officer_choices() -> list[tuple[str, str]]:
    """The officer's choice: the high-level category (translated labels)."""
    return [("", gettext_lazy("Not about illegal content / not categorised")), *CATEGORIES.items()]


def reviewer_choices() -> list[tuple[str, str]]:
    """The reviewer's correction: every category, each followed by its sub-categories (English)."""
    out: list[tuple[str, str]] = [("", "Not about illegal content / not categorised")]
    for code, name in LABELS.items():
        out.append((code, f"{name} (sub-category not recorded)" if KEYWORDS[code] else str(name)))
        out.extend((f"{code}{SEP}{kw}", f"{name} — {kw_label}") for kw, kw_label in KEYWORDS[code].items())
    return out


def choices() -> list[tuple[str, str]]:
    """Every valid stored value (the model field's choices)."""
    return reviewer_choices()
