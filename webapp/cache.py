"""A per-process cache of rendered pages, keyed by the store's version.

Pages are pure functions of the graph, the URL and the language (which is in
the URL), so a page rendered once can be served again until the graph
changes.  Every request asks the store for its version, as seen at most
PAGE_VERSION_MAX_AGE_S ago by this process (``store.recent_version``): a write
through this process shows at once, one by another process within that time.
On Neo4j this saves a round trip per request.
Responses carry an ETag derived from the same key, so browsers and proxies
can revalidate with a 304.

The cache is bounded in bytes (PAGE_CACHE_BYTES, 0 turns it off), and its key
holds only the query parameters the view declares (``page(..., params=...)``
drops the others before the view runs), so junk parameters cannot fill it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import wraps
from urllib.parse import urlencode

from flask import current_app, make_response, request, session

from .db import get_store

# What an entry costs besides its body and key: the tuple, the OrderedDict slot, the bytes objects.
ENTRY_OVERHEAD = 200


class PageCache:
    """A thread-safe LRU of (body, mimetype) by key, holding at most ``max_bytes`` of bodies and keys."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        # One page may take at most an eighth, so a few huge pages cannot evict everything else.
        self.max_item = max_bytes // 8
        self.bytes = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def cost(key, item) -> int:
        return len(item[0]) + len(repr(key)) + ENTRY_OVERHEAD

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, item) -> None:
        cost = self.cost(key, item)
        if cost > self.max_item:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= self.cost(key, old)
            self._items[key] = item
            self.bytes += cost
            while self.bytes > self.max_bytes:
                evicted_key, evicted = self._items.popitem(last=False)
                self.bytes -= self.cost(evicted_key, evicted)


def _cache() -> PageCache | None:
    ext = current_app.extensions["common_ground"]
    if "page_cache" not in ext:
        budget = int(current_app.config["PAGE_CACHE_BYTES"])
        ext["page_cache"] = PageCache(budget) if budget > 0 else None
    return ext["page_cache"]


def cached_page(view):
    """Serve a GET view from the cache while the graph is unchanged; answer 304 to a matching ETag."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        # A signed-in editor sees their own page (edit links, their name), and a page that carries a
        # "saved" message is for one reader: never shared, never cached.
        if cache is None or request.method != "GET" or session.get("_user_id") or session.get("_flashes"):
            return view(*args, **kwargs)
        # request.args, not the raw query string: it holds only the parameters the view reads.
        key = (request.path, urlencode(list(request.args.items(multi=True))), get_store().recent_version(current_app.config["PAGE_VERSION_MAX_AGE_S"]))
        etag = hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()
        if etag in request.if_none_match:
            return "", 304, {"ETag": f'"{etag}"'}
        item = cache.get(key)
        if item is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            item = (response.get_data(), response.mimetype)
            cache.put(key, item)
        response = current_app.response_class(item[0], mimetype=item[1])
        response.set_etag(etag)
        return response

    return wrapper
