"""Bytes → text, right for Chinese pages: header, then the document's declaration, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from ..errors import ParseError

# GB2312 and GBK are subsets of GB18030; pages labelled with them routinely use characters
# (镕, 喆, 珺 ...) only the superset has, so a strict GB2312 decoder would fail or drop them.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",  # what browsers do: latin-1 labels mean windows-1252
    "latin-1": "cp1252",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SNIFF_BYTES = 4096


def normalize_encoding(name: str | None) -> str | None:
    """Python's codec name for a declared charset, with the Chinese supersets applied; None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_encodings(data: bytes, content_type: str | None = None) -> list[str]:
    """Candidate encodings in order of authority: BOM, HTTP header, XML declaration, meta tag."""
    found: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            found.append(name)
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        found.append(m.group(1))
    head = data[:_SNIFF_BYTES]
    for pattern in (_XML_DECL, _META_CHARSET):
        if m := pattern.search(head):
            found.append(m.group(1).decode("ascii", "ignore"))
    names = [n for n in (normalize_encoding(f) for f in found) if n]
    return list(dict.fromkeys(names))


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``. Raises :class:`ParseError` rather than return mojibake."""
    if not data:
        return "", "utf-8"
    for encoding in declared_encodings(data, content_type):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue  # a wrong label is common (GBK served as utf-8); try the next witness
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:262144], cp_isolation=None).best()
    encoding = normalize_encoding(best.encoding) if best else None
    if encoding and best is not None and best.chaos < 0.3:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    raise ParseError("unknown encoding: no declared charset fits and detection is not confident")
