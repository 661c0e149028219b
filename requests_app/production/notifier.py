"""How the platform tells an account holder that their data was disclosed.

The platform plugs in its own UserNotifier (settings.USER_NOTIFIER), e.g. a
service message in the app. The demo notifier only records what it would send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NoticeMessage:
    notice_id: int  # stable: a notifier should treat a repeated id as already sent
    account_kind: str
    account_value: str
    request_reference: str
    agency_name: str
    agency_country: str
    categories: tuple[str, ...]


class UserNotifier(Protocol):
    def send(self, message: NoticeMessage) -> str:
        """Deliver the notice; return the channel's reference for it. Raise to have it retried later."""


class DemoUserNotifier:
    """Records notices in memory (and returns a reference); nothing leaves the machine."""

    outbox: ClassVar[list[NoticeMessage]] = []

    def send(self, message: NoticeMessage) -> str:
        self.outbox.append(message)
        return f"demo-notice-{message.notice_id}"


def get_user_notifier() -> UserNotifier:
    path = settings.USER_NOTIFIER
    return import_string(path)()
