"""Who may see the register: active platform staff who hold the dedicated permission
`cybertipline.access_register` (given per user or through a group in the admin), and nobody else."""

from __future__ import annotations

from requests_app.permissions import is_staff_member

PERMISSION = "cybertipline.access_register"


def can_access(user) -> bool:
    return bool(is_staff_member(user) and user.has_perm(PERMISSION))
