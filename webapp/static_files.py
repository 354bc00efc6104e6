"""Fast on a phone: fingerprinted static files kept for a year, and text answers compressed.

Every address the app makes for a file of ``static/`` or of the vendored npm packages carries the
fingerprint of the file's content (``?v=<12 hex digits of its SHA-256>``). An answer to that exact
address can never change, so it is cached for a year as immutable; a changed file gets a new address.
An address without the fingerprint, or with an old one, is answered with ``no-cache`` (revalidated by
its ETag), so a stale page never keeps a stale script.

Flask-Compress (MIT) compresses HTML, JSON, CSS, JavaScript and SVG with brotli or gzip, as the client
accepts; docs/deployment.md says how nginx passes that through.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
FILE_ENDPOINTS = ("static", "vendor")
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                    "application/geo+json", "image/svg+xml", "text/plain", "text/csv"]
# Keyed by path, size and modification time: a file replaced under a running worker gets a new fingerprint.
_fingerprints: dict[tuple[str, int, int], str] = {}


def fingerprint(path: Path) -> str | None:
    """Return the first 12 hex digits of the SHA-256 of a file's content, or None if there is no such file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _fingerprints:
        _fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _fingerprints[key]


def file_path(app: Flask, endpoint: str, filename: str) -> Path | None:
    """Return the file an address of ``static`` or ``vendor`` names, never one outside its folder."""
    folder = Path(app.static_folder if endpoint == "static" else app.config["VENDOR_DIR"]).resolve()
    path = (folder / filename).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def init_app(app: Flask) -> None:
    """Fingerprint the addresses of files, give their answers a cache policy, compress text answers."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_REGISTER", True)
    # Flask runs after_request handlers last-registered first: Compress is registered before cache_policy
    # so that it sees the answer cache_policy made readable.
    Compress(app)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint in FILE_ENDPOINTS and "filename" in values and "v" not in values:
            path = file_path(app, endpoint, values["filename"])
            if path is not None:
                values["v"] = fingerprint(path)

    @app.after_request
    def cache_policy(response):
        if request.endpoint not in FILE_ENDPOINTS or response.status_code not in (200, 304):
            return response
        path = file_path(app, request.endpoint, (request.view_args or {}).get("filename", ""))
        current = request.args.get("v")
        fresh = path is not None and current is not None and current == fingerprint(path)
        response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
        response.expires = None
        # send_file streams; a file of this app is small, so let it be read and compressed like any answer.
        response.direct_passthrough = False
        response.make_sequence()
        return response
