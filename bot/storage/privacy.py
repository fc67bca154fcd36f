"""Keyed pseudonyms for people and chats, and encryption for the chat ids the bot must keep to reply.

Both keys derive from one secret: ``RAHNUMA_SECRET_KEY``, or a random key created once in the data
directory (``secret.key``, readable only by its owner). Losing it makes stored chat ids unreadable and
pseudonyms unmatchable, so back it up with the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)


class Keys:
    """Pseudonymise and encrypt with keys derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        self._pseudonym_key = hmac.new(secret, b"rahnuma/pseudonym/v1", hashlib.sha256).digest()
        fernet_key = hmac.new(secret, b"rahnuma/encrypt/v1", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(fernet_key))

    def pseudonym(self, kind: str, raw_id: int | str) -> str:
        """A stable 32-hex-digit pseudonym; without the secret it cannot be traced back to the id."""
        message = f"{kind}:{raw_id}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()[:32]

    def encrypt_id(self, raw_id: int) -> bytes:
        """The chat id, encrypted and authenticated."""
        return self._fernet.encrypt(str(raw_id).encode())

    def decrypt_id(self, token: bytes) -> int:
        """The chat id back; raises ``ValueError`` for a token made with another key."""
        try:
            return int(self._fernet.decrypt(token).decode())
        except InvalidToken as exc:
            raise ValueError("this chat id was encrypted with another secret key") from exc


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, or the one kept in the data directory (created on first use)."""
    if configured:
        return configured.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
        handle.flush()
        os.fsync(handle.fileno())
    log.warning("created a new secret key at %s; back it up with the database", path)
    return secret
