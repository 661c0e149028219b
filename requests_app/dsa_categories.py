"""The DSA taxonomy of illegal content, as the Commission's transparency templates use it (pure data).

Source: the categories of Commission Implementing Regulation (EU) 2024/2835, Annex I (the
"Category of illegal content" column), which are the statement-of-reasons categories of the DSA
Transparency Database (https://transparency.dsa.ec.europa.eu/page/additional-explanation-for-statement-attributes).
Codes are the database's STATEMENT_CATEGORY_* names without the prefix; the labels are its wording.
"""

from __future__ import annotations

OTHER = "OTHER"

# code -> label, in the template's (alphabetical) order.
CATEGORIES: dict[str, str] = {
    "ANIMAL_WELFARE": "Animal welfare",
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": "Data protection and privacy violations",
    "ILLEGAL_OR_HARMFUL_SPEECH": "Illegal or harmful speech",
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS": "Intellectual property infringements",
    "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": "Negative effects on civic discourse or elections",
    "NON_CONSENSUAL_BEHAVIOUR": "Non-consensual behaviour",
    "PORNOGRAPHY_OR_SEXUALIZED_CONTENT": "Pornography or sexualized content",
    "PROTECTION_OF_MINORS": "Protection of minors",
    "RISK_FOR_PUBLIC_SECURITY": "Risk for public security",
    "SCAMS_AND_FRAUD": "Scams and/or fraud",
    "SELF_HARM": "Self-harm",
    "SCOPE_OF_PLATFORM_SERVICE": "Scope of platform service",
    "UNSAFE_AND_ILLEGAL_PRODUCTS": "Unsafe and/or illegal products",
    "VIOLENCE": "Violence",
    OTHER: "Other",
}


def choices() -> list[tuple[str, str]]:
    return [("", "Not about illegal content / not categorised"), *CATEGORIES.items()]
