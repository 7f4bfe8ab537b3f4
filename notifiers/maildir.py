"""The sender used when no SMTP host is set: each email a .eml file in a maildir, so nothing is lost."""
from __future__ import annotations

import hashlib
import os
from email.message import EmailMessage
from pathlib import Path

from events.errors import DeliveryError


class MaildirSender:
    """Writes to tmp/ then renames into new/ (the maildir way); one file per Message-ID, so a resend replaces it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def send(self, message: EmailMessage) -> None:
        name = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32] + ".eml"
        try:
            for sub in ("tmp", "new", "cur"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            tmp = self.root / "tmp" / name
            tmp.write_bytes(bytes(message))
            os.replace(tmp, self.root / "new" / name)
        except OSError as err:
            raise DeliveryError(f"cannot write {name} to {self.root}: {err}") from err
