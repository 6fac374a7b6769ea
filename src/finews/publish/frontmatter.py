"""YAML front matter that always loads, whatever a title holds (quotes, colons, #, ---, emoji, NUL).

Every value is first rid of the characters XML 1.0 forbids (NUL, controls, lone surrogates,
noncharacters): escaped, YAML would hand them back whole to the generators, whose feeds they break.
"""

from __future__ import annotations

import re

from .feeds import legal_chars

# YAML's printable set, minus the characters YAML 1.1 parsers treat as line breaks or BOM.
_NEEDS_ESCAPE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}
# a plain scalar loses a trailing space, so one that ends in a space is quoted
_WORD = r"\w\u3400-\u9fff\uf900-\ufaff"
_PLAIN_SAFE = re.compile(rf"^[{_WORD}](?:[{_WORD} .+-]*[{_WORD}.+-])?$")
_PLAIN_RESERVED = re.compile(r"^(?:y|n|yes|no|on|off|true|false|null|~|[-+.\d][\d_.:eE+-]*)$", re.I)


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def double_quoted(text: str) -> str:
    """``"…"`` with every character a YAML parser could misread escaped."""
    text = legal_chars(text)
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    body = _NEEDS_ESCAPE.sub(lambda m: _escape(m.group()), body)
    return f'"{body}"'


def single_quoted(text: str) -> str:
    """``'…'`` (Hexo's style); falls back to double quotes for text single quotes cannot hold."""
    text = legal_chars(text)
    if _NEEDS_ESCAPE.search(text):
        return double_quoted(text)
    return "'" + text.replace("'", "''") + "'"


def plain_or_quoted(text: str) -> str:
    """Unquoted when the value is an ordinary word (as the reference sites wrote categories)."""
    text = legal_chars(text)
    if _PLAIN_SAFE.match(text) and not _PLAIN_RESERVED.match(text):
        return text
    return single_quoted(text)


def block(lines: list[str]) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


# Hexo's own list_categories/list_tags helpers, and many themes, print these names unescaped.
_MARKUP = str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇"})


def inert_name(text: str) -> str:
    """A category, tag or author name that is text wherever a theme prints it, escaped or not.

    HTML's markup characters become their full-width forms: they read the same and start nothing.
    """
    return legal_chars(text).translate(_MARKUP)
