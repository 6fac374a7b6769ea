import codecs

import pytest

from finews.errors import ParseError
from finews.fetch.charset import decode, normalize_encoding

TEXT = "央行：保持流动性合理充裕，朱镕基、王喆、陶喆"


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936", "GB18030"])
def test_chinese_labels_read_as_gb18030(label):
    assert normalize_encoding(label) == "gb18030"
    assert decode(TEXT.encode("gb18030"), f"text/html; charset={label}") == (TEXT, "gb18030")


def test_bom_wins():
    assert decode(codecs.BOM_UTF8 + TEXT.encode(), "text/html; charset=gbk")[0] == TEXT


def test_meta_and_xml_declarations():
    html = f'<html><head><meta charset="gb2312"></head><body>{TEXT}</body></html>'
    assert TEXT in decode(html.encode("gb18030"))[0]
    http_equiv = f'<meta http-equiv="Content-Type" content="text/html; charset=GBK"><p>{TEXT}</p>'
    assert TEXT in decode(http_equiv.encode("gb18030"))[0]
    xml = f'<?xml version="1.0" encoding="GB2312"?><t>{TEXT}</t>'
    assert TEXT in decode(xml.encode("gb18030"))[0]


def test_wrong_declaration_falls_through():
    html = f'<meta charset="utf-8"><p>{TEXT}{TEXT}</p>'
    text, encoding = decode(html.encode("gb18030"), "text/html; charset=utf-8")
    assert TEXT in text and encoding == "gb18030"


def test_undeclared_gbk_is_detected():
    body = ("<p>" + TEXT * 3 + "。财经新闻滚动播报，市场情绪回暖。</p>").encode("gb18030")
    assert TEXT in decode(body)[0]


def test_unknown_labels_are_ignored():
    assert normalize_encoding("no-such-charset") is None
    assert decode(TEXT.encode(), "text/html; charset=no-such-charset") == (TEXT, "utf-8")


def test_undecodable_bytes_are_an_error_not_mojibake():
    with pytest.raises(ParseError, match="unknown encoding"):
        decode(bytes(range(128, 256)) * 40 + b"\x00\x81\xff" * 50)


def test_utf16_bom():
    assert decode(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")) == (TEXT, "utf-16")


def test_header_beats_document_declaration():
    html = f'<meta charset="big5"><p>{TEXT}</p>'.encode("gb18030")
    assert decode(html, "text/html; charset=GBK") == (html.decode("gb18030"), "gb18030")


def test_latin1_header_yields_to_the_documents_own_declaration():
    html = f'<meta charset="gbk"><p>{TEXT}</p>'.encode("gb18030")
    assert TEXT in decode(html, "text/html; charset=ISO-8859-1")[0]


def test_valid_utf8_beats_a_stale_legacy_label():
    html = f'<meta charset="gb2312"><p>{TEXT}</p>'
    assert decode(html.encode(), "text/html; charset=gbk") == (html, "utf-8")


def test_utf16_label_in_an_ascii_readable_document_means_utf8():
    xml = f'<?xml version="1.0" encoding="UTF-16"?><t>{TEXT}</t>'
    assert decode(xml.encode()) == (xml, "utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "央行",  # two characters: detection alone calls this Big5
        "<html><head><title>东方财富网</title><script src='a.js'></script></head><body><a href='/'>首页</a>"
        + "<p>hello world</p>" * 50,  # markup-heavy: detection alone calls this CP949
    ],
)
def test_undeclared_chinese_is_not_read_as_big5_or_korean(text):
    assert decode(text.encode("gb18030")) == (text, "gb18030")


def test_undeclared_big5_is_still_big5():
    text = "<p>台灣股市今日收盤上漲，加權指數終場大漲一百五十點，成交金額新台幣三千億元。外資買超，電子股表現強勁。</p>"
    assert decode(text.encode("big5")) == (text, "big5hkscs")


def test_ascii_is_utf8():
    assert decode(b"<rss/>") == ("<rss/>", "utf-8")
    assert decode(b"") == ("", "utf-8")


def test_undeclared_latin_text_reads_as_windows_1252():
    text = "<p>Le café était très bon à Zürich, où les prix ont augmenté.</p>"
    assert decode(text.encode("cp1252")) == (text, "cp1252")
