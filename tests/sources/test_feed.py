from datetime import UTC, datetime, timedelta

import pytest

from finews.errors import ParseError
from finews.extract import prepare
from finews.pipeline import fetch_all
from finews.sources.feed import parse_json_feed, parse_xml_feed

from ..conftest import CORPORA, make_config, need
from ..loopback import LoopbackServer

RSS091 = """<?xml version="1.0"?><rss version="0.91"><channel><title>t</title><link>https://e.cn/</link>
<description>d</description><item><title>旧版条目</title><link>https://e.cn/a/1</link>
<description>&lt;p&gt;正文&lt;/p&gt;</description></item></channel></rss>"""

RSS2 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>t</title><link>https://e.cn/</link><description>d</description><ttl>30</ttl>
<item><title>标题 &amp; 引号"</title><link>https://e.cn/a/2?utm_source=rss</link>
<guid isPermaLink="false">id-2</guid><author>记者甲</author><pubDate>Wed, 05 Jan 2022 15:11:39 +0800</pubDate>
<category>科技</category><category>财经</category>
<description>摘要文字</description><content:encoded><![CDATA[<p>全文<img src="/i.png"></p>]]></content:encoded>
<enclosure url="https://e.cn/v.mp3" type="audio/mpeg" length="1"/>
<media:thumbnail url="https://e.cn/thumb.jpg"/></item>
<item><title>无时区</title><link>https://e.cn/a/3</link><pubDate>2022-01-05 15:11:39</pubDate>
<description>&lt;p&gt;x&lt;/p&gt;</description></item></channel></rss>"""

RDF = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://e.cn/"><title>t</title><link>https://e.cn/</link><description>d</description></channel>
<item rdf:about="https://e.cn/r/1"><title>RDF 条目</title><link>https://e.cn/r/1</link>
<dc:date>2022-05-19T18:06:03+08:00</dc:date><dc:creator>作者</dc:creator><description>内容</description></item>
</rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<id>urn:x</id><updated>2022-05-19T10:06:03Z</updated>
<entry><title>Atom 条目</title><id>urn:e1</id><link href="https://e.cn/atom/1"/>
<updated>2022-05-19T10:06:03Z</updated><author><name>编辑</name></author>
<content type="html">&lt;p&gt;内容&lt;/p&gt;</content><category term="开源"/></entry></feed>"""


def test_rss2_fields():
    items = parse_xml_feed(RSS2, "s", base_url="https://e.cn/feed.xml")
    first = prepare(items[0])
    assert first.title == '标题 & 引号"' and first.guid == "id-2" and first.author == "记者甲"
    assert first.canonical_url == "https://e.cn/a/2"
    assert first.published == datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)
    assert first.categories == ["科技", "财经"]
    assert first.summary == "摘要文字" and "全文" in first.content_html
    assert first.image == "https://e.cn/thumb.jpg"
    assert first.enclosure_url == "https://e.cn/v.mp3" and first.enclosure_type == "audio/mpeg"
    second = prepare(items[1])
    assert second.published.utcoffset() == timedelta(hours=8) and second.published.hour == 15


@pytest.mark.parametrize(("doc", "title"), [(RSS091, "旧版条目"), (RDF, "RDF 条目"), (ATOM, "Atom 条目")])
def test_other_flavours(doc, title):
    items = [prepare(a) for a in parse_xml_feed(doc, "s")]
    assert len(items) == 1 and items[0].title == title and items[0].content_html


def test_rdf_and_atom_dates_and_authors():
    rdf = prepare(parse_xml_feed(RDF, "s")[0])
    assert rdf.published == datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC) and rdf.author == "作者"
    atom = prepare(parse_xml_feed(ATOM, "s")[0])
    assert atom.updated == datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC) and atom.categories == ["开源"]


def test_json_feed():
    doc = """{"version": "https://jsonfeed.org/version/1.1", "title": "t", "authors": [{"name": "站点"}],
      "items": [{"id": 7, "url": "https://e.cn/j/7", "title": "快讯", "content_text": "第一段\\n\\n第二段",
                 "date_published": "2022-05-19T18:06:03+08:00", "tags": ["A股"], "image": "https://e.cn/7.png"},
                {"id": "8", "url": "https://e.cn/j/8", "content_html": "<p>无标题的条目正文。</p>"}]}"""
    first, second = (prepare(a) for a in parse_json_feed(doc, "s"))
    assert first.guid == "7" and first.author == "站点" and first.categories == ["A股"]
    assert first.content_html == "<p>第一段</p><p>第二段</p>" and first.image == "https://e.cn/7.png"
    assert second.title == "无标题的条目正文。"


@pytest.mark.parametrize("doc", ["<html><body>not a feed</body></html>", "garbage \x00", ""])
def test_not_a_feed_is_a_parse_error(doc):
    with pytest.raises(ParseError, match="not a feed"):
        parse_xml_feed(doc, "s")


@pytest.mark.parametrize("doc", ["{", '{"items": []}', "[]"])
def test_bad_json_feed(doc):
    with pytest.raises(ParseError, match="not a feed"):
        parse_json_feed(doc, "s")


def _corpus_feeds():
    root = CORPORA / "feeds"
    return sorted(root.rglob("*.xml")) if root.exists() else []


@pytest.mark.parametrize("path", _corpus_feeds() or [CORPORA / "feeds"], ids=lambda p: p.name)
def test_every_real_feed_parses(path):
    need(path)
    text = path.read_text(encoding="utf-8")
    items = parse_xml_feed(text, "corpus")
    assert len(items) == text.count("<item>") + text.count("<item ") + text.count("<entry>")
    for article in items:
        prepare(article)
        assert article.title and (article.canonical_url or article.guid)
        assert article.published is None or article.published.tzinfo is not None


def _rss_items(*numbers: int) -> str:
    return "".join(
        f"<item><title>第{n}条</title><link>https://e.cn/t/{n}</link><guid>t-{n}</guid>"
        f"<description>第{n}条的完整正文，一直写到结尾。</description></item>\n"
        for n in numbers
    )


TRUNCATED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>\n'
    + _rss_items(1, 2)
    + "<item><title>第3条</title><link>https://e.cn/t/3</link><guid>t-3</guid>\n<description>第3条的正文被截"
)


def test_a_truncated_feed_keeps_its_complete_entries_and_says_so(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/cut.xml", TRUNCATED, content_type="application/rss+xml")
        config = make_config(tmp_path, [{"name": "cut", "url": server.url("/cut.xml")}])
        report = fetch_all(config, archive)
    source = report.sources[0]
    assert source.ok and source.added == 2 and source.found == 3
    assert source.skip_reasons == {"cut off at line 6": 1}
    assert source.warnings == ["feed truncated at line 6 (no element found): 2 complete entries kept"]
    assert "1 skipped: cut off at line 6; feed truncated at line 6" in source.summary
    assert sorted(a.title for a in archive.iter_articles()) == ["第1条", "第2条"]
    assert all("完整正文" in a.content_html for a in archive.iter_articles())


def test_a_feed_cut_between_entries_keeps_them_all(tmp_path, archive):
    cut = TRUNCATED[: TRUNCATED.index("<item><title>第3条")]
    with LoopbackServer() as server:
        server.add("/between.xml", cut, content_type="application/rss+xml")
        report = fetch_all(make_config(tmp_path, [{"name": "cut", "url": server.url("/between.xml")}]), archive)
    source = report.sources[0]
    assert source.ok and source.added == 2 and source.skipped == 0
    assert len(source.warnings) == 1 and source.warnings[0].startswith("feed truncated at line")


def test_a_malformed_but_complete_feed_is_read_leniently_and_reported(tmp_path, archive):
    broken = TRUNCATED.split("<item><title>第3条")[0].replace("第1条的完整", "第1条&nbsp;的完整") + "</channel></rss>"
    with LoopbackServer() as server:
        server.add("/entity.xml", broken, content_type="application/rss+xml")
        report = fetch_all(make_config(tmp_path, [{"name": "bad", "url": server.url("/entity.xml")}]), archive)
    source = report.sources[0]
    assert source.ok and source.added == 2 and source.skipped == 0
    assert source.warnings == ["feed not well-formed at line 3 (undefined entity): read leniently"]


def test_entries_with_neither_link_nor_guid_are_counted(tmp_path, archive):
    doc = RSS2.replace("<item><title>无时区</title><link>https://e.cn/a/3</link>", "<item><title>无链接</title>")
    with LoopbackServer() as server:
        server.add("/nolink.xml", doc, content_type="application/rss+xml")
        report = fetch_all(make_config(tmp_path, [{"name": "nolink", "url": server.url("/nolink.xml")}]), archive)
    source = report.sources[0]
    assert source.ok and source.added == 1 and source.skip_reasons == {"no link or guid": 1}
