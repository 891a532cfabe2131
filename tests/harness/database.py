"""SQL access to the mesh's PostgreSQL database, for checks on audit and ownership rows."""

from typing import Any, Callable, Optional, Sequence

from .polling import poll

Rows = list[tuple]


def run_sql(database_url: str, query: str, params: Optional[Sequence[Any]] = None) -> Rows:
    """Run one statement in autocommit mode and return its rows (empty when it returns none)."""
    import psycopg  # imported here so that the harness loads without psycopg installed

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            if cursor.description is None:
                return []
            return cursor.fetchall()


def wait_for_rows(
    database_url: str,
    query: str,
    params: Optional[Sequence[Any]] = None,
    accept: Callable[[Rows], bool] = bool,
    timeout: float = 10.0,
) -> Rows:
    """Poll a query until `accept` approves its rows (by default: until there is one).

    Rows written asynchronously, such as audit rows, appear after the response, so checks poll
    with a deadline instead of sleeping. A missing table counts as no rows, because the stage
    that creates it may still be running its migration.
    """
    import psycopg

    def fetch() -> Rows:
        try:
            return run_sql(database_url, query, params)
        except psycopg.errors.UndefinedTable:
            return []

    return poll(fetch, accept, timeout, f"rows of {query!r} with {params!r}")
