"""The cheap argon2id parameters are the test suite's alone: the app hashes at full cost and replaces a cheap hash."""

from __future__ import annotations

import os
import subprocess
import sys

from argon2 import PasswordHasher

import graph.accounts.model as accounts_module
from graph.accounts.model import CHEAP_HASHES_ENV
from graph.resources import CHECKOUT
from graph.stores.sqlite.accounts import SQLiteAccountStore

PASSWORD = "correct horse battery"
FULL_COST = PasswordHasher()  # argon2-cffi's defaults (RFC 9106, low memory)


def test_the_test_suite_hashes_cheaply():
    assert os.environ[CHEAP_HASHES_ENV] == "1"  # tests/conftest.py
    assert accounts_module._hasher.time_cost == 1 and accounts_module._hasher.memory_cost < FULL_COST.memory_cost


def test_without_the_setting_passwords_are_hashed_at_full_cost():
    env = {k: v for k, v in os.environ.items() if k != CHEAP_HASHES_ENV}
    shown = subprocess.run(
        [sys.executable, "-c", "from graph.accounts.model import _hasher as h; print(h.time_cost, h.memory_cost, h.parallelism)"],
        env=env, cwd=CHECKOUT, capture_output=True, text=True, check=True).stdout.split()
    assert shown == [str(FULL_COST.time_cost), str(FULL_COST.memory_cost), str(FULL_COST.parallelism)]


def test_a_cheap_hash_is_replaced_at_full_cost_at_the_next_sign_in(tmp_path, monkeypatch):
    accounts = SQLiteAccountStore(tmp_path)
    cheap = accounts.add("vera", PASSWORD, "staff").password_hash
    assert not cheap.startswith(f"$argon2id$v=19$m={FULL_COST.memory_cost},")
    monkeypatch.setattr(accounts_module, "_hasher", FULL_COST)  # the app, which never sets the test setting
    assert accounts.authenticate("vera", PASSWORD) is not None
    stored = accounts.get("vera").password_hash
    assert stored != cheap and not FULL_COST.check_needs_rehash(stored)
    assert FULL_COST.verify(stored, PASSWORD)
    accounts.close()
