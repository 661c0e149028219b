"""Small template helpers for the intake templates."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key], or None: lets templates look up findings by field name."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def field_root(name: str) -> str:
    """The form field a finding belongs to ("targets.0.value" -> "targets"), for its anchor."""
    return str(name).split(".")[0]


@register.filter
def contains(collection, item) -> bool:
    """`item in collection`, for the sets of active sections."""
    try:
        return item in collection
    except TypeError:
        return False
