"""Inclusion tags of the production panels. They run no query: the page's view passes the panel's
data (requests_app.production.selectors.staff_panel / officer_panel) as `production_panel`."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("production/_staff_panel_body.html", takes_context=True)
def production_staff_panel(context: template.Context, panel: dict[str, Any]) -> dict[str, Any]:
    return {**panel, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("production/_officer_panel_body.html", takes_context=True)
def production_officer_panel(context: template.Context, panel: dict[str, Any]) -> dict[str, Any]:
    return {**panel, "csrf_token": context.get("csrf_token")}
