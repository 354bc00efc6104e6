"""Helpers for web tests that sign in and send forms with their CSRF token."""

from __future__ import annotations

import socket

PASSWORD = "correct horse battery"


def csrf_token(client, lang: str = "en") -> str:
    """Return this client's session CSRF token (the sign-in form's JSON twin gives it)."""
    return client.get(f"/{lang}/sign-in.json").get_json()["csrf_token"]


def sign_in(client, account_id: str, password: str = PASSWORD, lang: str = "en"):
    """Sign ``client`` in; return the response of the sign-in POST."""
    token = csrf_token(client, lang)
    return client.post(f"/{lang}/sign-in", data={"account": account_id, "password": password, "csrf_token": token})


def post_json(client, url: str, payload: dict):
    """POST JSON with the session's CSRF token in the X-CSRFToken header."""
    return client.post(url, json=payload, headers={"X-CSRFToken": csrf_token(client)})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
