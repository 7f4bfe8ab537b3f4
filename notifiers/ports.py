"""The one-method port every sender implements, and a recording fake of it."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from events.errors import DeliveryError


class ServerUnavailable(DeliveryError):
    """The mail server could not be reached at all: every other message would fail the same way now."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class Sender(Protocol):
    """Hands one email over, or raises DeliveryError (permanent=True when retrying cannot help)."""

    def send(self, message: EmailMessage) -> None:
        """Send one message."""
        ...


class RecordingSender:
    """Keeps what it is given; `fail_with` errors are raised first, one per send."""

    def __init__(self, fail_with: list[DeliveryError] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with = list(fail_with or [])

    def send(self, message: EmailMessage) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(message)
