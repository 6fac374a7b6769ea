"""Characters no document finews writes may hold, removed once where text comes in and again where it goes out."""

from __future__ import annotations

import re

# characters XML 1.0 does not allow (a NUL makes a feed not well-formed), lone surrogates (no UTF-8 for
# them: SQLite, nh3 and every writer refuse them), the C1 controls and noncharacters HTML calls errors;
# a publisher's text may hold any of them
_ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def legal_chars(text: str) -> str:
    """``text`` without the characters an XML or HTML document may not hold (every feed, sitemap and page)."""
    return _ILLEGAL_CHARS.sub("", text)
