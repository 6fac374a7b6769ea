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
