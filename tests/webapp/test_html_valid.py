"""Every page kind is valid HTML: the W3C Nu HTML Checker finds no error, in Dutch and Spanish, signed in or not.

The pages are rendered through the test client (anonymous, as a town's editor and as an administrator) and
checked in one run of the checker: the JVM takes seconds to start, the pages take milliseconds each.
The checker is the ``vnu-jar`` npm package (the Nu HTML Checker's own release of vnu.jar, MIT), installed
by ``npm ci`` with the other npm packages; it runs on the system's Java.
"""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import skip_or_fail
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts
from graph.resources import CHECKOUT
from graph.schema import NODE_KINDS

VNU_JAR = CHECKOUT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
HERENT = "municipality:herent-belgium"
PARTNERSHIP = "herent-nimlahakok"
# The kinds that hold no node in the seeds (exercise runs and answers) have only their listing.
ANONYMOUS_PAGES = [
    "", "/match", "/match?municipality=Herent", "/match?municipality=Herent&themes=theme:water",
    "/match?municipality=Atlantis", "/network", "/network/embed", "/paths",
    "/paths?from=municipality:herent-belgium&to=municipality:tarija-bolivia", "/sdgs", "/lessons",
    "/lessons?sdg=sdg:5", "/search?q=water", "/search?q=participatie", "/search?q=zzzzqqq", "/changes",
    "/changes/1", "/changes/1?page=2", "/history/municipalities/herent-belgium", "/sign-in",
    f"/partnerships/{PARTNERSHIP}/workspace", f"/partnerships/{PARTNERSHIP}/workspace/compare",
    f"/partnerships/{PARTNERSHIP}/workspace/report", "/no-such-page", "/municipalities/no-such-town",
]
SIGNED_IN_PAGES = [
    "/account", "/edit/municipalities/herent-belgium", f"/edit/partnerships/{PARTNERSHIP}",
    f"/edit/lessons/new?partnership=partnership:{PARTNERSHIP}", "/edit/experiences/new",
    f"/edit/partnerships/{PARTNERSHIP}/delete", "/profile/municipalities/herent-belgium", "/changes/2/revert",
    "/translate", f"/partnerships/{PARTNERSHIP}/workspace/start/participation-radar",
]
ADMIN_PAGES = ["/exercises/participation-radar/adapt", "/admin/accounts", "/admin/import-profiles", "/edit/municipalities/tarija-bolivia"]


def node_pages(store) -> list[str]:
    """One listing per kind and the page of the first node of each kind, as a reader reaches them."""
    pages = []
    for kind in NODE_KINDS.values():
        pages.append(f"/{kind.plural}")
        first = next(iter(store.nodes(kind.label)), None)
        if first is not None:
            pages.append(f"/{kind.plural}/{first.id.split(':', 1)[1]}")
    return pages + [f"/partnerships/{PARTNERSHIP}", "/municipalities/herent-belgium", "/municipalities/tarija-bolivia"]


def collect(client, paths: list[str], lang: str, reader: str, into: dict[str, str],
            expected: tuple[int, ...] = (200, 400, 404)) -> None:
    for path in paths:
        response = client.get(f"/{lang}{path}")
        where = f"{reader} GET /{lang}{path} ({response.status_code})"
        # Error pages (a refused search, an unknown page) are pages too; a crash or a refusal is not expected.
        assert response.status_code in expected, where
        assert response.mimetype == "text/html", where
        into[where] = response.get_data(as_text=True)


def form_with_errors(client, lang: str) -> str:
    """The profile form sent back with a year out of range: its error summary and marked fields."""
    response = client.post(f"/{lang}/edit/partnerships/{PARTNERSHIP}",
                           data={"csrf_token": csrf_token(client, lang), "start_year": "99999999999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-invalid="true"' in html, response.status_code
    return html


def run_checker(pages: dict[str, str], directory) -> list[str]:
    """Run vnu.jar once over every page; return its errors as 'reader page: line N: message'."""
    names = {}
    for number, (where, html) in enumerate(pages.items()):
        name = f"page{number:04d}.html"
        (directory / name).write_text(html, encoding="utf-8")
        names[name] = where
    result = subprocess.run(["java", "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
                             *(str(directory / name) for name in names)],
                            capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: line {m.get('lastLine')}:"
            f" {m['message']} [{' '.join(m.get('extract', '').split())[:100]}]" for m in messages]


def test_every_page_kind_is_valid_html(app, seeded_store, tmp_path):
    if shutil.which("java") is None:
        skip_or_fail("the Nu HTML Checker needs Java")
    assert VNU_JAR.is_file(), "run `npm ci` (make install): vnu-jar is a dev dependency in package.json"
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("root", PASSWORD, "admin")
    pages: dict[str, str] = {}
    for lang in ("nl", "es"):
        anonymous = app.test_client()
        collect(anonymous, ANONYMOUS_PAGES + node_pages(seeded_store), lang, "anonymous", pages)
        editor = app.test_client()
        assert sign_in(editor, "ana", lang=lang).status_code in (302, 303)
        collect(editor, ANONYMOUS_PAGES + SIGNED_IN_PAGES + node_pages(seeded_store), lang, "editor", pages)
        collect(editor, ["/edit/municipalities/tarija-bolivia"], lang, "editor", pages, expected=(403,))
        pages[f"editor POST /{lang}/edit/partnerships/{PARTNERSHIP} (errors)"] = form_with_errors(editor, lang)
        admin = app.test_client()
        assert sign_in(admin, "root", lang=lang).status_code in (302, 303)
        collect(admin, SIGNED_IN_PAGES + ADMIN_PAGES + node_pages(seeded_store)[:6], lang, "admin", pages)
    assert len(pages) > 150
    errors = run_checker(pages, tmp_path)
    assert not errors, f"{len(errors)} errors from the Nu HTML Checker:\n" + "\n".join(errors)
