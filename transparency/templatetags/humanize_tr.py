"""Number formatting for the transparency pages: thousands separators, percentages, days,
in the conventions of the page's language (1,234.5 in English, 1.234,5 in German; issue 16)."""

from django import template
from django.utils import formats

register = template.Library()


def _number(value, *, whole_floats_as_int: bool = True) -> str:
    if whole_floats_as_int and isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


@register.filter
def num(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # a national-security band such as "0-499"
        return value
    return _number(value)


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{_number(value, whole_floats_as_int=False)}%"


@register.filter
def days(value) -> str:
    return "—" if value is None else _number(value)


@register.filter
def country(code, recorded_name: str = "") -> str:
    """A country's name in the page's language (django-countries); a signed report records the
    English name, and the code is what it certifies. Unknown codes keep the recorded name."""
    from transparency.aggregation import country_name

    name = country_name(code) if code else ""
    return name if name and name != code else (recorded_name or code or "")
