"""The pages of a listing (the home page, a source, a category, a day, a company …), made incrementally.

The build state keeps each listing's article ids, oldest first; pages numbered from the oldest whose
articles did not come, go, move or change are carried over without being looked at.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, overload

from .incremental import digest
from .records import stamp

if TYPE_CHECKING:
    from .site import Item, _Builder


def paginate(
    builder: _Builder, base: str, items: Sequence[Item], *, heading: str, feed: bool, category: str = ""
) -> None:
    """The listing's first page holds the newest items; older ones sit on pages numbered from the oldest.

    Page k always holds the same per_page items (the k-th oldest run), so a new article changes
    the first page only, not every page after it; the first page holds per_page to 2*per_page-1.
    """
    per = builder.site.per_page
    total = len(items)
    sealed = max(0, total // per - 1)
    front = items[: total - sealed * per]
    ids = items.ids if isinstance(items, Members) else [item.id for item in reversed(items)]
    head = digest(repr((heading, feed, category)))
    builder.listings[base] = [head, ids]
    same = same_pages(builder, base, head, ids, sealed)
    complete = builder.output.complete
    if same > sealed and (not complete or builder.output.carry(f"{base}index.html")):  # as it was
        if complete:
            builder.sitemap.append((f"{base}index.html", stamp(front[0].time if front else None)))
            builder.pages += 1
    else:
        list_page(builder, f"{base}index.html", front, heading=heading, feed=feed, category=category, number=0,
                       up="", newer=None, older=f"page/{sealed}/index.html" if sealed else None)  # fmt: skip
    # a build that does not list every file leaves the pages that stay the same alone, unread
    for number in range(1 if complete else max(1, same + 1), sealed + 1):
        path = f"{base}page/{number}/index.html"
        if number <= same and builder.output.carry(path):
            builder.sitemap.append((path, stamp(items[total - number * per].time)))
            builder.pages += 1
            continue
        chunk = items[total - number * per : total - (number - 1) * per]
        newer = "../../index.html" if number == sealed else f"../{number + 1}/index.html"
        older = f"../{number - 1}/index.html" if number > 1 else None
        list_page(builder, f"{base}page/{number}/index.html", chunk, heading=heading, feed=feed, category=category,
                       number=number, up="../../", newer=newer, older=older)  # fmt: skip


class Members(Sequence["Item"]):
    """A listing's items newest first, of which only those a page shows are read (by ``load``).

    ``ids`` are the listing's article ids oldest first, as the build state keeps them.
    """

    def __init__(self, ids: list[int | None], load: Callable[[Sequence[int | None]], list[Item]]) -> None:
        self.ids = ids
        self.load = load

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):  # a page: a short run, reversed alone rather than the whole listing
            return self.load([self.ids[-1 - i] for i in range(*index.indices(len(self.ids)))])
        return self.load([self.ids[-1 - index if index >= 0 else -index - 1]])[0]


def same_pages(builder: _Builder, base: str, head: str, ids: list[int | None], sealed: int) -> int:
    """How many of a listing's sealed pages (numbered from the oldest) are as the last build made them.

    Their items are the oldest ones: a page stays the same while no article up to its last item
    came, went, moved or changed since the last build; none of them is then even looked at.
    More than ``sealed`` when the first page is the same too (nothing in the listing changed).
    """
    old = builder.old_lists.get(base)  # a mapping, or the state read one listing at a time
    if not old or old[0] != head:
        return 0
    per = builder.site.per_page
    old_ids: list[int | None] = old[1]
    stable = common_prefix(old_ids, ids)
    dirty = builder.dirty
    stable = next((p for p, i in enumerate(ids[:stable]) if i is None or i in dirty), stable)
    if stable == len(ids) == len(old_ids):
        return sealed + 1
    old_sealed = max(0, len(old_ids) // per - 1)
    # the newest sealed page links to the first page, the others to the next: when a page was
    # sealed, the one before it links elsewhere
    limit = sealed if sealed == old_sealed else min(sealed, old_sealed) - 1
    return min(stable // per, limit)


def list_page(builder: _Builder, path: str, chunk: Sequence[Item], *, heading: str, feed: bool, category: str,
              number: int, up: str, newer: str | None, older: str | None) -> None:  # fmt: skip
    # links between pages of one listing are relative to the current page
    page = {"number": number, "base": up, "newer": newer, "older": older}
    lastmod = chunk[0].time if chunk else None
    # a page of a listing shows only its items: when none changed it is not rendered again
    head = repr((builder.fingerprint, heading, feed, category, newer, older))
    inputs = digest("\x1f".join([head, *map(_key, chunk)]))
    builder.output.inputs[path] = inputs
    if builder.output.old_inputs.get(path) == inputs and builder.output.keep(path):
        builder.sitemap.append((path, stamp(lastmod)))
        builder.pages += 1
        return
    days = [(d, list(group)) for d, group in itertools.groupby(chunk, key=lambda i: i.time.date())]
    builder.write(path, "list.html", lastmod=lastmod, heading=heading, days=days, page=page, feed=feed,
               current_category=category)  # fmt: skip


def _key(item: Item) -> str:
    """What of an item a list page shows (the dataclass's repr cost a third of the page's rendering)."""
    fields = (item.id, item.slug, item.title, item.source, item.source_title, item.category, item.time.isoformat(),
              item.summary)  # fmt: skip
    return "\x1e".join(map(str, fields))


def common_prefix(old: list, new: list) -> int:
    """How many first elements two lists share (compared in slices, which runs in C)."""
    n = min(len(old), len(new))
    if old[:n] == new[:n]:
        return n
    low, high = 0, n  # old[:low] == new[:low], old[:high] != new[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle
    return low
