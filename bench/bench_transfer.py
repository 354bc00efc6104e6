"""Bytes and requests a phone spends on a page, before and after compression and fingerprinted caching.

    python bench/bench_transfer.py [--page /nl/network]

Both setups are measured in the same run over the seeded embedded store through the app itself:

* before: no compression, file addresses without their fingerprint (the answer says ``no-cache``, so a
  repeat visit asks again for every file);
* after: the app as it is (brotli when accepted, ``?v=<fingerprint>`` addresses kept a year as immutable).

A first visit fetches the page and every file it names (stylesheets, scripts, the files its scripts load
whose address is in the page); a repeat visit fetches the page again and each file whose answer may not be
kept (a revalidation costs a request even when it answers 304). Bytes are the bodies as sent.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.ingest.seeds import seed  # noqa: E402
from graph.stores.sqlite.store import EmbeddedStore  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.static_files import IMMUTABLE  # noqa: E402

FILE_ADDRESS = re.compile(r'="(/(?:static|vendor)/[^"]+)"')
BROWSER = {"Accept-Encoding": "br, gzip"}


def visit(client, page: str, strip_fingerprints: bool) -> dict:
    html = client.get(page, headers=BROWSER)
    files = sorted(set(FILE_ADDRESS.findall(client.get(page).get_data(as_text=True))))
    if strip_fingerprints:
        files = [re.sub(r"\?v=[0-9a-f]+$", "", f) for f in files]
    first_bytes, repeat_requests, repeat_bytes = len(html.get_data()), 1, len(html.get_data())
    for address in files:
        answer = client.get(address.replace("&amp;", "&"), headers=BROWSER)
        assert answer.status_code == 200, (address, answer.status_code)
        first_bytes += len(answer.get_data())
        if answer.headers.get("Cache-Control") != IMMUTABLE:
            repeat_requests += 1  # revalidated: a 304 without a body
    return {"first_requests": 1 + len(files), "first_bytes": first_bytes,
            "repeat_requests": repeat_requests, "repeat_bytes": repeat_bytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="/nl/network")
    args = parser.parse_args()
    store = EmbeddedStore(Path(tempfile.mkdtemp(prefix="kb-bench-")) / "kb")
    seed(store)
    base = {"STORE": store, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    before = visit(create_app({**base, "COMPRESS_REGISTER": False}).test_client(), args.page, True)
    after = visit(create_app(base).test_client(), args.page, False)
    print(f"page {args.page}")
    print(f"{'':18}{'before':>12}{'after':>12}{'after/before':>14}")
    for key in before:
        print(f"{key:18}{before[key]:>12,}{after[key]:>12,}{after[key] / before[key]:>14.2f}")


if __name__ == "__main__":
    main()
