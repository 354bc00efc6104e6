"""Never English by accident: `kb serve` stops when a compiled catalog is missing or outdated.

A checkout installed with `pip install -e .` (no `make`) has only the .po
files; Flask-Babel then serves the English source strings under /nl and says
nothing.  These tests copy the real catalogs into a temporary folder, compile
them as `make translations-compile` does, then take one away or change one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from graph.resources import CHECKOUT
from graph.schema import LANGUAGES
from webapp import catalogs
from webapp.catalogs import catalog_error, catalog_problems

SOURCE = CHECKOUT / "translations"


def _compile(directory: Path, lang: str) -> None:
    folder = directory / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=lang)
    with open(folder / "messages.mo", "wb") as out:
        write_mo(out, catalog)


@pytest.fixture
def catalogs_dir(tmp_path):
    """A copy of the project's .po files, each compiled."""
    directory = tmp_path / "translations"
    for lang in LANGUAGES:
        folder = directory / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        shutil.copy(SOURCE / lang / "LC_MESSAGES" / "messages.po", folder / "messages.po")
        _compile(directory, lang)
    return directory


def test_compiled_catalogs_pass(catalogs_dir):
    assert catalog_problems(catalogs_dir) == []
    assert catalog_error(catalogs_dir) is None


def test_a_missing_mo_is_named_with_the_command_that_compiles_it(catalogs_dir):
    (catalogs_dir / "nl" / "LC_MESSAGES" / "messages.mo").unlink()
    problems = catalog_problems(catalogs_dir)
    assert len(problems) == 1 and problems[0].startswith("nl: ") and "missing" in problems[0]
    assert "make translations-compile" in catalog_error(catalogs_dir)


def test_an_mo_older_than_its_po_is_outdated(catalogs_dir):
    po_path = catalogs_dir / "es" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="es")
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string)
    message.string = message.string + " (nuevo)"
    with open(po_path, "wb") as out:
        write_po(out, catalog)
    problems = catalog_problems(catalogs_dir)
    assert len(problems) == 1 and problems[0].startswith("es: ") and "older" in problems[0]
    _compile(catalogs_dir, "es")
    assert catalog_problems(catalogs_dir) == []


def test_an_installed_wheel_has_only_mo_files(catalogs_dir):
    for po in catalogs_dir.glob("*/LC_MESSAGES/messages.po"):
        po.unlink()
    assert catalog_problems(catalogs_dir) == []


def test_kb_serve_stops_before_serving_without_compiled_catalogs(catalogs_dir, monkeypatch):
    from webapp import cli

    (catalogs_dir / "fr" / "LC_MESSAGES" / "messages.mo").unlink()
    monkeypatch.setattr("graph.resources.resource_dir", lambda name: catalogs_dir)
    result = CliRunner().invoke(cli.main, ["serve", "--no-seed", "--port", "5999"])
    assert result.exit_code != 0
    assert "fr: " in result.output and "make translations-compile" in result.output
    assert "Common Ground on http" not in result.output


def test_gunicorn_refuses_to_start_without_compiled_catalogs(catalogs_dir, tmp_path):
    """The gunicorn master checks once, in on_starting, before any worker forks."""
    (catalogs_dir / "nl" / "LC_MESSAGES" / "messages.mo").unlink()
    script = ("import graph.resources as r, pathlib, sys\n"
              f"r.resource_dir = lambda name: pathlib.Path({str(catalogs_dir)!r})\n"
              "from webapp import gunicorn_conf\n"
              "gunicorn_conf.on_starting(None)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                         timeout=60)
    assert run.returncode != 0 and "make translations-compile" in run.stderr


def test_the_checkout_itself_is_compiled():
    """The project's own catalogs, as `make install` leaves them, pass the check the server makes."""
    assert catalogs.catalog_problems(SOURCE) == []
