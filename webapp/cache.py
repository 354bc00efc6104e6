"""A per-process cache of rendered pages, keyed by the store's version.

Pages are pure functions of the graph, the URL and the language (which is in
the URL), so a page rendered once can be served again until the graph
changes.  Every request still asks the store for its version (a stat of the
snapshot, or one tiny Cypher read), so a write by any process shows at once.
Responses carry an ETag derived from the same key, so browsers and proxies
can revalidate with a 304.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import wraps

from flask import current_app, make_response, request

from .db import get_store


class PageCache:
    """A small thread-safe LRU of (status, headers, body) by key."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, item) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _cache() -> PageCache | None:
    ext = current_app.extensions["common_ground"]
    if "page_cache" not in ext:
        size = current_app.config.get("PAGE_CACHE_SIZE", 512)
        ext["page_cache"] = PageCache(size) if size else None
    return ext["page_cache"]


def cached_page(view):
    """Serve a GET view from the cache while the graph is unchanged; answer 304 to a matching ETag."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        if cache is None or request.method != "GET":
            return view(*args, **kwargs)
        key = (request.full_path, get_store().version())
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
