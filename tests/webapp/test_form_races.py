"""Two processes save the same form from the same version at once: one wins, the other gets 409.

Each process is a whole app over one shared store (the embedded store's file, or Neo4j), like two gunicorn
workers.  The per-process edit lock cannot order them, so only the version check inside the store's write
(``expect=``) keeps one save from silently undoing the other.  Both saves start behind a barrier, so in
most rounds both pass the view's own early check before either writes.
"""

from __future__ import annotations

import multiprocessing
import os

import pytest
from webhelpers import PASSWORD

from graph.accounts.model import open_accounts

HERENT = "municipality:herent-belgium"
ROUNDS = 6
PROFILE = "/en/profile/municipalities/herent-belgium"
EDIT = "/en/edit/municipalities/herent-belgium"
TRANSLATE = "/en/translate"


def _profile_payload(client, side: int, round_: int) -> tuple[str, dict]:
    data = client.get(PROFILE + ".json").get_json()
    values = {k: v for k, v in data["values"].items() if v not in (None, False, "")}
    # Each side offers a theme of its own and names its own contact, so neither save is a no-op.
    values["offers"] = sorted({*values.get("offers", []), ("theme:water", "theme:agroforestry")[side]})
    values.update(contact_en=f"side {side} round {round_}", csrf_token=data["csrf_token"])
    return PROFILE, values


def _edit_payload(client, side: int, round_: int) -> tuple[str, dict]:
    data = client.get(EDIT + ".json").get_json()
    values = {i["name"]: i["value"] for g in data["fields"] for i in g["inputs"]}
    values = {k: v for k, v in values.items() if v not in (None, False)}
    values.update(original_lang=data["original_lang"], version=data["version"], csrf_token=data["csrf_token"],
                  description_en=f"side {side} round {round_}")
    return EDIT, values


def _translate_payload(client, side: int, round_: int) -> tuple[str, dict]:
    version = client.get(EDIT + ".json").get_json()["version"]
    token = client.get("/en/sign-in.json").get_json()["csrf_token"]
    return f"{TRANSLATE}?kind=Municipality&to=es", {
        "node": HERENT, "field": "description", "text": f"lado {side} ronda {round_}", "version": version,
        "csrf_token": token}


PAYLOADS = {"profile": _profile_payload, "edit": _edit_payload, "translate": _translate_payload}


def _racer(config: dict, account: str, form: str, side: int, barrier, results) -> None:
    """One worker process: sign in, then each round load the form, wait for the other, and save."""
    from webapp import create_app

    app = create_app({"SECRET_KEY": "race", "RATELIMIT_ENABLED": False, "PAGE_CACHE_BYTES": 0,
                      "MATCH_INDEX_FOLLOW_S": 0, **config})
    client = app.test_client()
    token = client.get("/en/sign-in.json").get_json()["csrf_token"]
    client.post("/en/sign-in", data={"account": account, "password": PASSWORD, "csrf_token": token})
    for round_ in range(ROUNDS):
        url, payload = PAYLOADS[form](client, side, round_)
        barrier.wait(timeout=60)
        status = client.post(url, data=payload).status_code
        results.put((round_, side, status))
        barrier.wait(timeout=60)


@pytest.fixture
def shared_config(seeded_store, tmp_path):
    """The config that opens ``seeded_store`` in another process, and two editors of Herent."""
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT])
    accounts.add("bob", PASSWORD, "editor", [HERENT])
    if seeded_store.backend == "neo4j":
        config = {"NEO4J_URI": os.environ["NEO4J_URI"], "KB_DATA_DIR": str(tmp_path / "unused")}
    else:
        config = {"NEO4J_URI": None, "KB_DATA_DIR": str(seeded_store.dir)}
    yield config
    accounts.clear()


@pytest.mark.parametrize("form", sorted(PAYLOADS))
def test_two_processes_saving_one_form_never_both_win(shared_config, seeded_store, form):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    racers = [context.Process(target=_racer, args=(shared_config, account, form, side, barrier, results))
              for side, account in enumerate(("ana", "bob"))]
    for racer in racers:
        racer.start()
    outcomes = sorted(results.get(timeout=120) for _ in range(2 * ROUNDS))
    for racer in racers:
        racer.join(timeout=60)
        assert racer.exitcode == 0
    ok = {303, 200}
    for round_ in range(ROUNDS):
        statuses = sorted(status for r, _, status in outcomes if r == round_)
        # One save wins; the other is told that someone else changed the form meanwhile.
        assert len([s for s in statuses if s in ok]) == 1 and 409 in statuses, (form, round_, statuses)
