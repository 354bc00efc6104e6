"""Build hook: a wheel carries the files a checkout keeps at the top level.

Metadata lives in pyproject.toml.  This only adds, at build time, copies of
the seeds (with their licences), the templates, the catalogs compiled to .mo
and the browser libraries npm installed (with their licences) to
``graph/_resources/``, where ``graph.resources`` finds them.  An editable
install reads the checkout directly and gets no copies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = Path("graph") / "_resources"
# What of an npm package a page may load: its metadata, its licence, its minified scripts.
VENDOR_FILES = ("package.json", "LICENSE*", "dist/*.min.js", "countries-110m.json")


class BuildWithResources(build_py):
    """Copy the top-level resources into the package being built."""

    def run(self):
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / BUNDLE
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(HERE / "seeds", target / "seeds")
        shutil.copytree(HERE / "templates", target / "templates")
        self._compile_catalogs(target / "translations")
        self._copy_vendor(target / "vendor")

    def _compile_catalogs(self, target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "translations").glob("*/LC_MESSAGES/messages.po")):
            lang = po.parent.parent.name
            with open(po, "rb") as fh:
                catalog = read_po(fh, locale=lang)
            if any(m.fuzzy for m in catalog if m.id):
                raise SystemExit(f"{po} has fuzzy entries: translate them before building")
            mo = target / lang / "LC_MESSAGES" / "messages.mo"
            mo.parent.mkdir(parents=True, exist_ok=True)
            with open(mo, "wb") as out:
                write_mo(out, catalog)

    def _copy_vendor(self, target: Path) -> None:
        packages = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]
        for package in packages:
            source = HERE / "node_modules" / package
            if not (source / "package.json").is_file():
                raise SystemExit(f"node_modules/{package} is missing: run `npm ci` before building")
            for pattern in VENDOR_FILES:
                for path in source.glob(pattern):
                    copy = target / package / path.relative_to(source)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copy)


setup(cmdclass={"build_py": BuildWithResources})
