"""Number formatting for the transparency pages: thousands separators, percentages, days."""

from django import template

register = template.Library()


@register.filter
def num(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # a national-security band such as "0-499"
        return value
    return f"{value:,}"


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{value}%"


@register.filter
def days(value) -> str:
    return "—" if value is None else f"{value:g}"
