"""Fixtures for the browser tests: the real app on the seeded embedded store, and Chromium.

The app runs in a thread under werkzeug's ``make_server`` on 127.0.0.1 and a free port. Chromium
is Debian's (``apt-get install chromium``), driven by Playwright from PyPI; ``playwright install``
is never needed. Without either, the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import skip_or_fail  # tests/conftest.py

from graph.ingest.seeds import seed
from graph.stores.sqlite.store import EmbeddedStore
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# Collects Content-Security-Policy violations before any page script runs.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="session")
def live_store(tmp_path_factory):
    """The embedded store the live app serves: the real seeds (a test may add to it)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("browser-kb") / "kb")
    seed(store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def live_server(live_store):
    """The base URL of the real app, serving the real seeds from an embedded store."""
    from werkzeug.serving import make_server

    store = live_store
    app = create_app({"STORE": store, "TESTING": True, "VENDOR_DIR": str(ROOT / "node_modules")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def cytoscape_installed() -> None:
    """The graph view needs cytoscape from npm; without it node pages show only their lists."""
    if not (ROOT / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js").is_file():
        skip_or_fail("node_modules/cytoscape is missing (npm ci)")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any launch failure means this machine cannot run them
        manager.stop()
        skip_or_fail(f"cannot launch {CHROMIUM}: {exc}")
    yield browser
    browser.close()
    manager.stop()


@dataclass
class Problems:
    """What went wrong in a page: console errors, uncaught exceptions, CSP violations."""

    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console.append(f"{message.text} ({message.location.get('url')})")

    def assert_none(self, page) -> None:
        """Assert that the page logged no error, threw nothing and broke no CSP rule."""
        violations = page.evaluate("window.__cspViolations || []")
        assert not violations, f"Content-Security-Policy violations: {violations}"
        assert not self.exceptions, f"uncaught exceptions: {self.exceptions}"
        assert not self.console, f"console errors: {self.console}"


@pytest.fixture
def problems() -> Problems:
    return Problems()


def _open_page(browser, live_server, problems, **options):
    """Open a fresh page (its own context) on the live app that records problems."""
    context = browser.new_context(base_url=live_server, locale="nl-BE", **options)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", problems.on_console)
    page.on("pageerror", lambda exc: problems.exceptions.append(str(exc)))
    return context, page


@pytest.fixture
def page(browser, live_server, problems):
    """A fresh desktop-width page whose base URL is the live app; it records problems."""
    context, page = _open_page(browser, live_server, problems, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server, problems):
    """The same at a phone's width: 390 CSS pixels, touch, mobile viewport rules."""
    context, page = _open_page(browser, live_server, problems, viewport={"width": 390, "height": 844},
                               is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()



@pytest.fixture
def page_on(browser, problems):
    """Open desktop-width pages on another server (say, the app on Neo4j); closed after the test."""
    contexts = []

    def open_on(base_url: str):
        context, page = _open_page(browser, base_url, problems, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return page

    yield open_on
    for context in contexts:
        context.close()
