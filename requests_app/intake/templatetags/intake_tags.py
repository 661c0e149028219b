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
