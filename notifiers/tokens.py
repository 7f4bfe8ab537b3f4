"""Signed one-click unsubscribe tokens: HMAC-SHA256 over the subscriber's id and address."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

KEY_FILE = "secret_key"


def key_file_secret(data_dir: Path) -> Callable[[], bytes]:
    """The key kept in data_dir/secret_key (0600), made on first use when none is configured."""
    def load() -> bytes:
        path = data_dir / KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made earlier, or by another process just now
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as f:
            key = secrets.token_hex(32).encode()
            f.write(key)
        return key
    return load


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Tokens:
    """Makes and checks tokens; a token names one subscriber and is worthless for any other."""

    def __init__(self, secret: Callable[[], bytes]) -> None:
        self._secret = secret
        self._key: bytes | None = None

    def _mac(self, subscriber_id: int, email: str) -> str:
        if self._key is None:
            self._key = self._secret()
        message = f"unsubscribe\n{subscriber_id}\n{email}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def make(self, subscriber_id: int, email: str) -> str:
        """The token for one subscriber: `<id>.<mac>`."""
        return f"{subscriber_id}.{self._mac(subscriber_id, email)}"

    def subscriber_id(self, token: str) -> int | None:
        """The id a token claims, unchecked (check it with `valid` against that subscriber's address)."""
        head, _, _ = token.partition(".")
        return int(head) if head.isdigit() and len(head) < 19 else None

    def valid(self, token: str, subscriber_id: int, email: str) -> bool:
        """Whether the token was made by us for this subscriber."""
        return hmac.compare_digest(token.encode(), self.make(subscriber_id, email).encode())
