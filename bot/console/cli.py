"""``rahnuma users``: console accounts. The first admin is created here; there is no default password."""

from __future__ import annotations

import sys

import click

from bot.storage.db import Database


def _database() -> Database:
    from bot.cli import load_settings

    db = Database(load_settings().database())
    db.migrate()
    return db


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.ClickException("no password given")
    return password


@click.group("users")
def users_group() -> None:
    """Manage console accounts (moderator, maintainer, admin)."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["moderator", "maintainer", "admin"]),
    required=True,
    help="moderator: the queue; maintainer: sources and quality; admin: everything, accounts, audit.",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Create a console account."""
    from bot.console.auth import AccountError, create_account

    password = _read_password(password_stdin)
    db = _database()
    try:
        create_account(db, name, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"created {role} {name}")


@users_group.command("list")
def users_list() -> None:
    """List console accounts."""
    from bot.console.auth import list_accounts

    db = _database()
    try:
        rows = list_accounts(db)
    finally:
        db.close()
    if not rows:
        click.echo("no accounts yet: create the first admin with `rahnuma users add NAME --role admin`")
    for row in rows:
        state = "disabled" if row.disabled else "locked" if row.locked else "active"
        last = row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at else "never"
        click.echo(f"{row.username}\t{row.role}\t{state}\tlast login {last}")


@users_group.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable an account and end its sessions."""
    _set_disabled(name, True)
    click.echo(f"disabled {name}")


@users_group.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Enable a disabled (or locked) account."""
    _set_disabled(name, False)
    click.echo(f"enabled {name}")


@users_group.command("password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def users_password(name: str, password_stdin: bool) -> None:
    """Set an account's password (and unlock it)."""
    from bot.console.auth import AccountError, set_password

    password = _read_password(password_stdin)
    db = _database()
    try:
        set_password(db, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"password of {name} changed")


def _set_disabled(name: str, disabled: bool) -> None:
    from bot.console.auth import AccountError, set_disabled

    db = _database()
    try:
        set_disabled(db, name, disabled)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
