"""Bytes → text, right for Chinese pages: BOM, header, the document's declaration, then detection."""

from __future__ import annotations

import codecs
import contextlib
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
# Detection only considers what browsers can decode (the WHATWG legacy encodings), most usual first:
# left alone, charset-normalizer happily calls French windows-1252 "mac_latin2".
_WEB_ENCODINGS = (
    "gb18030", "big5", "shift_jis", "euc_jp", "iso2022_jp", "euc_kr", "cp1252", "cp1251", "koi8_r", "koi8_u",
    "cp1250", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp866", "mac_cyrillic",
    "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_8",
)  # fmt: skip
_SNIFF_BYTES = 4096
_DETECT_BYTES = 256 * 1024


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
    """Candidate codecs in order of authority: BOM, HTTP header, XML declaration, meta tag."""
    bom = [name for mark, name in _BOMS if data.startswith(mark)][:1]
    header = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        header = [normalize_encoding(m.group(1))]
    inline = []
    head = data[:_SNIFF_BYTES]
    for pattern in (_XML_DECL, _META_CHARSET):
        if found := pattern.search(head):
            name = normalize_encoding(found.group(1).decode("ascii", "ignore"))
            # The label was readable as ASCII, so the document cannot really be UTF-16/32.
            inline.append("utf-8" if name and name.startswith(("utf-16", "utf-32")) else name)
    if header == ["cp1252"] and any(inline):
        header = []  # a latin-1 header is usually a server default, not a statement about this page
    return list(dict.fromkeys(n for n in bom + header + inline if n))


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``. Raises :class:`ParseError` rather than return mojibake."""
    if not data:
        return "", "utf-8"
    if not data.isascii() and not data.startswith(tuple(mark for mark, _ in _BOMS)):
        # Non-ASCII bytes that form valid UTF-8 are, in practice, UTF-8: a page labelled GBK
        # or latin-1 that decodes as UTF-8 was mislabelled (a stale template, a server default).
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8"), "utf-8"
    declared = declared_encodings(data, content_type)
    for encoding in declared:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue  # a wrong label is common (GBK served as utf-8); try the next witness
    # No witness reads cleanly. A label that fits all but a few bytes (a title cut mid-character,
    # one corrupt byte) is still right; browsers show U+FFFD there and so do we.
    for encoding in declared:
        if (text := _nearly_clean(data, encoding)) is not None:
            return text, encoding
    if data.isascii():
        return data.decode("ascii"), "utf-8"
    if (text := _credible_gb18030(data)) is not None:
        return text, "gb18030"
    matches = from_bytes(data[:_DETECT_BYTES], cp_isolation=list(_WEB_ENCODINGS))
    # Equally clean readings (French is as clean in cp1250 as in cp1252) go to the more usual encoding.
    best = min(matches, key=lambda m: (round(m.chaos, 2), _rank(m.encoding)), default=None)
    detected = normalize_encoding(best.encoding) if best else None
    if detected:
        try:
            return data.decode(detected), detected
        except UnicodeDecodeError:
            pass
    raise ParseError("unknown encoding: no declared charset fits and detection is not confident")


def _rank(name: str) -> int:
    return _WEB_ENCODINGS.index(name) if name in _WEB_ENCODINGS else len(_WEB_ENCODINGS)


def _credible_gb18030(data: bytes) -> str | None:
    """``data`` as GB18030 if that reads as simplified Chinese, else None.

    charset-normalizer often calls short or markup-heavy GBK pages Big5, CP949 or Shift_JIS.
    Genuine GBK text is almost all GB2312 characters; Big5 or Shift_JIS bytes read as GBK give
    mostly rare ideographs, kana or private-use characters instead. (EUC-KR would pass, but a
    Chinese news desk meets undeclared GBK far more often than undeclared Korean.)
    """
    text = _nearly_clean(data, "gb18030")
    if text is None:
        return None
    wide = [c for c in text[:20_000] if ord(c) > 0x7F]
    common = sum(1 for c in wide if _in_gb2312(c))
    return text if wide and common >= 0.8 * len(wide) else None


def _nearly_clean(data: bytes, encoding: str) -> str | None:
    """``data`` decoded with U+FFFD for bad sequences, if they are rare; None if the codec plainly does not fit.

    Read with the wrong codec, most non-ASCII characters come out as U+FFFD (GBK read as UTF-8: ~80 %);
    read with the right one, a damaged page has a handful. The 1 % bound separates the two by far.
    """
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        return None
    bad = text.count("\ufffd")
    if not bad:
        return text
    wide = sum(1 for c in text if ord(c) > 0x7F)
    return text if bad <= 0.01 * wide else None


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
