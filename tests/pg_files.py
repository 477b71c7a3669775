"""The raw files of a PostgreSQL database, as someone with a copy of its data directory
would read them (the server is local and the tests run as root, so they are readable)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine


def autocommit(engine: Engine):
    """A connection outside any transaction (CHECKPOINT, VACUUM)."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def files(engine: Engine, *relations: str) -> list[Path]:
    """The files PostgreSQL keeps for these tables (each with its TOAST table), after a
    CHECKPOINT wrote every changed page out; with no table named, every file of the
    database (its tables, indexes and catalogs, pg_statistic among them)."""
    with autocommit(engine) as conn:
        conn.execute(text("CHECKPOINT"))
        datadir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
        if not relations:
            oid = conn.execute(
                text("SELECT oid FROM pg_database WHERE datname = current_database()")
            ).scalar_one()
            return sorted((datadir / "base" / str(oid)).iterdir())
        paths = conn.execute(
            text(
                "SELECT pg_relation_filepath(oid), pg_relation_filepath(reltoastrelid) "
                "FROM pg_class WHERE relname = ANY(:names)"
            ),
            {"names": list(relations)},
        ).all()
    # a table's files: 16384, 16384.1 (its next gigabyte), 16384_fsm, 16384_vm
    wanted = {datadir / path for row in paths for path in row if path}
    return [
        file
        for base in wanted
        for file in base.parent.iterdir()
        if file == base or file.name.startswith((base.name + ".", base.name + "_"))
    ]


def holding(paths: list[Path], secret: bytes) -> list[str]:
    """The names of the files whose bytes contain the secret."""
    return [path.name for path in paths if path.is_file() and secret in path.read_bytes()]


def relations(engine: Engine, names: list[str]) -> list[str]:
    """The tables (or indexes, catalogs) these file names belong to, to say where a secret
    was found; a file no relation owns any more (dropped, awaiting removal) is 'dropped'."""
    with engine.connect() as conn:
        return [
            conn.execute(
                text("SELECT coalesce(pg_filenode_relation(0, :node)::text, 'dropped')"),
                {"node": int(name.split("_")[0].split(".")[0])},
            ).scalar_one()
            for name in names
        ]
