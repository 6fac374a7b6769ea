"""Give freed memory back to the system during long runs (glibc).

glibc serves big blocks with mmap and unmaps them when freed, but after the first such free it raises
that threshold (up to 32 MB): from then on blocks of that size come from the heap, where a freed block
below a live one cannot be given back. Arrays that grow in steps (the near-duplicate index's key
tables, the story vectors) then leave the heap full of holes: over 9,000 ingested items, 24 of the
60 MB of growth was such holes. A fixed threshold keeps big blocks on mmap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
THRESHOLD = 128 * 1024  # glibc's own starting value


def keep_big_blocks_returnable() -> bool:
    """Fix glibc's mmap threshold; False where there is no glibc (macOS, musl) and nothing changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):  # no libc by that name, or one without mallopt (musl)
        return False
