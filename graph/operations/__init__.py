"""Running a store: backups, restores and integrity checks."""
