"""{% legal_team_email %}: the address officers write to about their account (settings.LEGAL_TEAM_EMAIL)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def legal_team_email() -> str:
    return settings.LEGAL_TEAM_EMAIL
