"""A read-only map that versions of the match index share, shard by shard.

The index maps each of ~171,000 municipalities (and ~259,000 partnerships at
ten times today's data) to what matching needs.  Following a small write must
cost in proportion to the write, and the previous version must keep serving
unchanged meanwhile.  :class:`Shards` splits a map into dicts of about
:data:`SHARD_SIZE` entries by the keys' hash; :meth:`Shards.replaced` returns a
new version that copies only the shards holding a changed key and shares all
the others with the old one.  A lookup costs one hash (cached on a string)
and one dict lookup more than a plain dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

SHARD_SIZE = 512  # entries per shard when a map is built; copying one costs a few microseconds


class Shards(Mapping):
    """An immutable mapping made of dicts; new versions share the shards they do not change."""

    __slots__ = ("_parts", "_mask", "_len")

    def __init__(self, items: Mapping | None = None):
        items = items if items is not None else {}
        count = 1
        while count * SHARD_SIZE < len(items):
            count *= 2
        parts: list[dict] = [{} for _ in range(count)]
        mask = count - 1
        for key, value in items.items():
            parts[hash(key) & mask][key] = value
        self._parts, self._mask, self._len = parts, mask, len(items)

    def __getitem__(self, key):
        return self._parts[hash(key) & self._mask][key]

    def get(self, key, default=None):
        return self._parts[hash(key) & self._mask].get(key, default)

    def __contains__(self, key) -> bool:
        return key in self._parts[hash(key) & self._mask]

    def __iter__(self) -> Iterator:
        for part in self._parts:
            yield from part

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"Shards({len(self)} entries in {len(self._parts)} shards)"

    def replaced(self, changes: Mapping = {}, removed: Iterable = ()) -> Shards:  # noqa: B006 - never mutated
        """Return a new version without the ``removed`` keys and with ``changes`` set; ``self`` is unchanged."""
        parts, mask, size = list(self._parts), self._mask, self._len
        copied: set[int] = set()

        def own(key) -> dict:
            i = hash(key) & mask
            if i not in copied:
                parts[i] = dict(parts[i])
                copied.add(i)
            return parts[i]

        for key in removed:
            if key in parts[hash(key) & mask]:
                del own(key)[key]
                size -= 1
        for key, value in changes.items():
            part = own(key)
            if key not in part:
                size += 1
            part[key] = value
        new = Shards.__new__(Shards)
        new._parts, new._mask, new._len = parts, mask, size
        return new
