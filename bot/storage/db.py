"""Open the database, bring its schema up to date with Alembic, and hand out sessions.

SQLite (the default, ``rahnuma.db`` in the data directory) runs in WAL mode with ``synchronous=FULL``,
so a committed flag survives a crash; PostgreSQL is used when ``RAHNUMA_DATABASE_URL`` names one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says what to do."""


def default_url(data_dir: Path) -> str:
    """SQLite in the data directory."""
    return f"sqlite:///{data_dir / 'rahnuma.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins: a deferred transaction that reads and then writes
    fails at once with "database is locked" when another writer committed in between (busy_timeout does
    not help there); an immediate one waits its turn."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine per process; ``session()`` is a unit of work that commits or rolls back as a whole."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite}  # a file needs no ping
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        self.engine: Engine = create_engine(parsed, **kwargs)
        self._reader: Engine = self.engine
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _begin_immediate)
            # reads take no write lock: in WAL mode they see the last commit and never block a writer
            self._reader = create_engine(parsed, **kwargs)
            event.listen(self._reader, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self._reader, expire_on_commit=False)

    @property
    def description(self) -> str:
        """Where the database is, without a password."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; with SQLite it does not wait for, or hold, the write lock."""
        with self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call on every start)."""
        from alembic import command

        try:
            command.upgrade(self._alembic_config(), "head")
        except Exception as exc:
            raise DatabaseError(f"cannot migrate the database at {self.description}: {exc}") from exc

    def current_revision(self) -> str | None:
        """The schema's Alembic revision, or None for an empty database."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def tables(self) -> set[str]:
        """Names of the tables present."""
        return set(inspect(self.engine).get_table_names())

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
        self._reader.dispose()
