"""Files and folders that hold the knowledge base, readable by their owner only.

The data directory holds the graph, the accounts (password hashes) and the
backups: it is created 0700 and each database file 0600, whatever the
process's umask.  SQLite gives the files it adds beside a database (``-wal``,
``-shm``, a rollback journal) the permissions of the database file itself, so
creating that file 0600 before SQLite opens it covers them too.

Files and folders that already exist are left as they are: an operator may have
given a backup account read access on purpose (docs/deployment.md).
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | os.PathLike) -> Path:
    """Create the folder ``path`` (and missing parents) 0700 if it is not there; return it."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        # mkdir's mode passes through the umask, and applies only to the last folder: set it after.
        os.chmod(path, DIRECTORY_MODE)
    return path


def private_file(path: str | os.PathLike) -> Path:
    """Create ``path`` empty and 0600 if it is not there (an empty file is a new SQLite database)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away, never added any; this is for clarity
    os.close(fd)
    return path
