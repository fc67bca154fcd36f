"""``rahnuma users``: console accounts."""

from __future__ import annotations

import click


@click.group("users")
def users_group() -> None:
    """Manage console accounts (moderator, maintainer, admin)."""
