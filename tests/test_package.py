"""The wheel, built and installed as an operator would, works outside the checkout.

Builds the wheel from the files git knows (so a file the build forgets is a
failure here, not in production), installs it into a fresh virtual
environment in a temporary directory, then runs ``kb seed`` and ``kb serve``
there and fetches pages over HTTP.  About half a minute; deselect with
``-m "not package"`` while iterating.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import skip_or_fail  # tests/conftest.py
from webhelpers import free_port

from graph.resources import CHECKOUT

pytestmark = pytest.mark.package


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def source_copy(target: Path) -> Path:
    """Copy the files git tracks or would track, plus the npm libraries, to ``target``."""
    if shutil.which("git") is None or not (CHECKOUT / ".git").exists():
        skip_or_fail("not a git checkout")
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=CHECKOUT).stdout
    for name in filter(None, listed.split("\0")):
        if (CHECKOUT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / name, target / name)
    packages = json.loads((CHECKOUT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for package in packages:
        if not (CHECKOUT / "node_modules" / package).is_dir():
            skip_or_fail(f"node_modules/{package} is missing (npm ci)")
        shutil.copytree(CHECKOUT / "node_modules" / package, target / "node_modules" / package)
    return target


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def snapshot(root: Path) -> dict[str, float]:
    """Every file below ``root`` (bytecode aside) with its modification time."""
    return {str(p): p.stat().st_mtime for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment, outside the checkout, with the built wheel installed."""
    base = tmp_path_factory.mktemp("package")
    source = source_copy(base / "source")
    build = run(sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(base / "dist"), str(source))
    assert "deprecat" not in (build.stdout + build.stderr).lower(), "the build prints a deprecation warning"
    wheel = next((base / "dist").glob("common_ground-*.whl"))
    run(sys.executable, "-m", "venv", str(base / "venv"))
    run(str(base / "venv" / "bin" / "pip"), "install", "--quiet", str(wheel))
    site = next((base / "venv" / "lib").glob("python*/site-packages"))
    return base, site


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_the_wheel_seeds_and_serves_outside_the_checkout(installed, backend, tmp_path):
    base, site = installed
    kb = str(base / "venv" / "bin" / "kb")
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "PYTHONPATH", "SECRET_KEY", "KB_SEEDS_DIR")}
    env["KB_DATA_DIR"] = str(tmp_path / "data")
    if backend == "neo4j":
        if not os.environ.get("NEO4J_URI"):
            skip_or_fail("NEO4J_URI is not set (scripts/neo4j.sh start sets up a local Neo4j)")
        env["NEO4J_URI"] = os.environ["NEO4J_URI"]
    work = tmp_path / "elsewhere"
    work.mkdir()
    if backend == "neo4j":  # the shared test database: whatever ran before may have seeded it already
        run(kb, "clear", "--yes", cwd=work, env=env)
    before = snapshot(site)

    # --force: a shared Neo4j may already hold these seeds, and then nothing would be written.
    seeded = run(kb, "seed", "--force", cwd=work, env=env)
    assert f"seeded 656 nodes and 976 edges into the {backend} store" in seeded.stdout

    port = free_port()
    server = subprocess.Popen([kb, "serve", "--port", str(port)], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, html = fetch(f"http://127.0.0.1:{port}/nl")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.3)
        assert status == 200 and "Partnerschappen" in html and "Naar de inhoud" in html
        status, html = fetch(f"http://127.0.0.1:{port}/es/partnerships/brasschaat-tarija")
        assert status == 200 and "Ir al contenido" in html and "Tarija" in html
        assert "cytoscape.min.js" in html, "the graph view's library is in the wheel"
        status, script = fetch(f"http://127.0.0.1:{port}/vendor/cytoscape/dist/cytoscape.min.js")
        assert status == 200 and "cytoscape" in script
        assert fetch(f"http://127.0.0.1:{port}/static/style.css")[0] == 200
        status, html = fetch(f"http://127.0.0.1:{port}/nl/network")
        assert status == 200 and "sigma.min.js" in html and "d3-geo.min.js" in html, "the network page's libraries"
        status, atlas = fetch(f"http://127.0.0.1:{port}/vendor/world-atlas/countries-110m.json")
        assert status == 200 and json.loads(atlas)["type"] == "Topology"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "SECRET_KEY" in output, "kb serve says that it made up a secret key for this run"

    bundle = site / "graph" / "_resources"
    assert (bundle / "seeds" / "sdg" / "LICENSE").is_file() and (bundle / "seeds" / "data" / "twin_cities.LICENSE").is_file()
    assert (bundle / "vendor" / "cytoscape" / "LICENSE").is_file()
    assert (bundle / "vendor" / "sigma" / "LICENSE.txt").is_file() and (bundle / "vendor" / "world-atlas" / "LICENSE").is_file()
    assert (bundle / "seeds" / "members" / "NOTICE.md").is_file()
    assert not list(bundle.glob("translations/*/LC_MESSAGES/*.po")), "only compiled catalogs are shipped"
    assert snapshot(site) == before, "nothing is written into the installed package at run time"
