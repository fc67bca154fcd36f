"""Console accounts, roles and login sessions: argon2 password hashes, lockout, hashed session tokens.

Plain synchronous functions over a ``Database``, shared by the web console and ``rahnuma users``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.moderation import audit, aware
from bot.storage.db import Database
from bot.storage.models import Account, WebSession, utcnow

ROLES = ("moderator", "maintainer", "admin")
# What each role may do. Moderators work the queue; maintainers look after the knowledge base and its
# quality; admins do both and also manage accounts and read the audit log.
GRANTS: dict[str, frozenset[str]] = {
    "moderator": frozenset({"console", "moderate"}),
    "maintainer": frozenset({"console", "maintain"}),
    "admin": frozenset({"console", "moderate", "maintain", "admin"}),
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class Principal:
    """The logged-in account, as a request sees it."""

    id: int
    username: str
    role: str
    csrf_token: str

    def may(self, capability: str) -> bool:
        """Whether the role grants ``capability``."""
        return capability in GRANTS.get(self.role, frozenset())

    @property
    def is_admin(self) -> bool:
        """Admins may act on items other people hold."""
        return self.role == "admin"


@dataclass(frozen=True)
class AccountRow:
    """An account as the list shows it (never its hash)."""

    id: int
    username: str
    role: str
    disabled: bool
    locked: bool
    last_login_at: datetime | None
    created_at: datetime


def hash_token(token: str) -> str:
    """SHA-256 of a session token: what the database stores."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_account(username: str, password: str, role: str) -> None:
    """Raise ``AccountError`` unless the name, password and role are acceptable."""
    if not USERNAME.match(username):
        raise AccountError(
            "a username is 2-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
        )
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def create_account(db: Database, username: str, password: str, role: str, actor: str = "cli") -> int:
    """Create an account with an argon2 hash of its password; its id."""
    check_new_account(username, password, role)
    with db.session() as s:
        if s.scalar(select(Account.id).where(Account.username == username)) is not None:
            raise AccountError(f"an account named {username!r} already exists")
        account = Account(username=username, password_hash=_hasher.hash(password), role=role)
        s.add(account)
        s.flush()
        audit(s, actor, "account_create", "account", username, role=role)
        return account.id


def list_accounts(db: Database) -> list[AccountRow]:
    """Every account, by name."""
    now = utcnow()
    with db.session() as s:
        return [
            AccountRow(
                a.id,
                a.username,
                a.role,
                a.disabled,
                a.locked_until is not None and aware(a.locked_until) > now,
                aware(a.last_login_at) if a.last_login_at else None,
                aware(a.created_at),
            )
            for a in s.scalars(select(Account).order_by(Account.username))
        ]


def _account(s: Session, username: str) -> Account:
    account = s.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise AccountError(f"no account named {username!r}")
    return account


def set_disabled(db: Database, username: str, disabled: bool, actor: str = "cli") -> None:
    """Disable (ending its sessions) or enable an account."""
    with db.session() as s:
        account = _account(s, username)
        account.disabled = disabled
        if disabled:
            s.execute(delete(WebSession).where(WebSession.account_id == account.id))
        else:
            account.failed_logins, account.locked_until = 0, None
        audit(s, actor, "account_disable" if disabled else "account_enable", "account", username)


def set_role(db: Database, username: str, role: str, actor: str = "cli") -> None:
    """Change an account's role (its sessions end, so the new role applies at the next login)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    with db.session() as s:
        account = _account(s, username)
        previous = account.role
        account.role = role
        s.execute(delete(WebSession).where(WebSession.account_id == account.id))
        audit(s, actor, "account_role", "account", username, role=role, previous=previous)


def set_password(db: Database, username: str, password: str, actor: str = "cli") -> None:
    """Set a new password (and unlock the account)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    with db.session() as s:
        account = _account(s, username)
        account.password_hash = _hasher.hash(password)
        account.failed_logins, account.locked_until = 0, None
        s.execute(delete(WebSession).where(WebSession.account_id == account.id))
        audit(s, actor, "account_password", "account", username)


def login(
    db: Database,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout: timedelta,
    session_length: timedelta,
) -> tuple[str, Principal] | None:
    """A new session token and its principal, or None (wrong name or password, disabled or locked)."""
    now = utcnow()
    with db.session() as s:
        account = s.scalar(select(Account).where(Account.username == username))
        if account is None:
            _verify(_DUMMY_HASH, password)  # the same work, so timing does not tell which names exist
            audit(s, "anonymous", "login_failed", "account", None, reason="unknown user")
            return None
        if account.locked_until is not None and aware(account.locked_until) > now:
            audit(s, username, "login_failed", "account", username, reason="locked")
            return None
        if not _verify(account.password_hash, password) or account.disabled:
            if not account.disabled:
                account.failed_logins += 1
                if account.failed_logins >= max_failures:
                    account.locked_until, account.failed_logins = now + lockout, 0
                    audit(s, username, "account_locked", "account", username)
            reason = "disabled" if account.disabled else "wrong password"
            audit(s, username, "login_failed", "account", username, reason=reason)
            return None
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
        account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        s.add(
            WebSession(
                token_hash=hash_token(token),
                account_id=account.id,
                csrf_token=csrf,
                expires_at=now + session_length,
            )
        )
        audit(s, username, "login", "account", username)
        return token, Principal(account.id, account.username, account.role, csrf)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal(db: Database, token: str) -> Principal | None:
    """The account a session token belongs to, while the session lasts and the account is enabled."""
    with db.session() as s:
        row = s.get(WebSession, hash_token(token))
        if row is None or aware(row.expires_at) <= utcnow():
            return None
        account = s.get(Account, row.account_id)
        if account is None or account.disabled:
            return None
        return Principal(account.id, account.username, account.role, row.csrf_token)


def logout(db: Database, token: str, actor: str) -> None:
    """End a session."""
    with db.session() as s:
        s.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))
        audit(s, actor, "logout", "account", actor)
