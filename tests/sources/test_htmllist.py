"""HTML list sources: selectors on a real list page, article pages fetched for their full text."""

from __future__ import annotations

from finews.pipeline import fetch_all

from ..conftest import make_config
from ..loopback import LoopbackServer

LIST_PAGE = """<!doctype html><html><head><meta charset="gbk"><title>公司新闻</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<ul class="news">
  <li><a href="/n/101.html">宁德时代发布新一代电池</a><span class="t">2022-01-05 15:11</span>
      <p class="sum">续航提升。</p></li>
  <li><a href="/n/102.html?utm_source=list">小米副总裁离职</a><span class="t">2022年1月5日 09:30</span></li>
  <li><a href="javascript:void(0)">广告</a></li>
</ul></body></html>"""

ARTICLE = """<!doctype html><html><head><meta charset="gbk"><title>{title}</title></head><body>
<div class="header">网站导航 登录 注册</div>
<div class="share">分享到微博 微信</div>
<article><h1>{title}</h1>
<p>{lead}这是正文的第一段，讲述了事件的来龙去脉，包含足够多的文字，以便正文抽取器能够识别出这是文章的主体内容。</p>
<p>{detail}</p>
<p>第二段继续补充细节：公司相关负责人表示，将继续加大研发投入，推动产品迭代升级，服务更多用户。</p>
<p class="background">第三段是背景介绍：行业竞争日趋激烈，多家企业纷纷布局，市场格局正在发生深刻变化，值得持续关注。</p>
</article>
<div class="related">相关阅读：其他新闻一 其他新闻二</div>
<div class="footer">版权所有 示例网</div></body></html>"""


def _serve(server: LoopbackServer) -> None:
    server.add("/list.html", LIST_PAGE.encode("gbk"), content_type="text/html")
    # two different stories: a site's shared paragraphs alone would make them one item retitled
    for number, title, lead, detail in (
        (
            101,
            "宁德时代发布新一代电池",
            "宁德时代今日",
            "新电池能量密度提高百分之十五，快充十分钟可行驶四百公里，明年一季度量产装车。",
        ),
        (102, "小米副总裁离职", "小米集团", "该副总裁负责海外市场业务多年，离职原因未予披露，其职务暂由集团总裁兼任。"),
    ):
        page = ARTICLE.format(title=title, lead=lead, detail=detail).encode("gbk")
        server.add(f"/n/{number}.html", page, content_type="text/html")  # charset only in the page


def _source(server: LoopbackServer, **html: str) -> dict:
    selectors = {"item": "ul.news li", "link": "a", "time": "span.t", "summary": "p.sum", **html}
    return {"name": "corp", "type": "html", "url": server.url("/list.html"), "html": selectors}


def test_list_page_with_full_text_from_gbk_pages(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        config = make_config(tmp_path, [_source(server)])
        report = fetch_all(config, archive)
        assert report.sources[0].ok and report.added == 2, report.sources[0].summary
        articles = {a.title: a for a in archive.iter_articles()}
        battery = articles["宁德时代发布新一代电池"]
        assert "宁德时代今日这是正文的第一段" in battery.content_markdown
        assert "分享到微博" not in battery.content_html and "版权所有" not in battery.content_html
        assert battery.summary == "续航提升。"
        assert battery.published.isoformat() == "2022-01-05T15:11:00+08:00"
        assert articles["小米副总裁离职"].canonical_url == server.url("/n/102.html")
        # a second check fetches the list again but no article page it already has
        again = fetch_all(config, archive)
        assert again.sources[0].unchanged == 2
    assert server.hits("/n/101.html") == 1 and server.hits("/list.html") == 2


def test_a_selector_matching_nothing_is_an_error(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        report = fetch_all(make_config(tmp_path, [_source(server, item="div.articles > .item")]), archive)
    error = report.sources[0].error
    assert not report.sources[0].ok and "div.articles > .item" in error and "matched nothing" in error
    assert "/list.html" in error and archive.count() == 0


def test_pages_robots_forbids_are_reported_not_silently_empty(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        server.add("/robots.txt", "User-agent: *\nDisallow: /n/\n")
        report = fetch_all(make_config(tmp_path, [_source(server)]), archive)
    source = report.sources[0]
    assert source.ok and source.added == 2 and len(source.full_text_failed) == 2
    assert "robots.txt" in source.summary and server.hits("/n/101.html") == 0


def test_summary_only_feed_gets_full_text(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>cnBeta</title>'
            f"<item><title>宁德时代发布新一代电池</title><link>{server.url('/n/101.html')}</link>"
            "<description>&lt;p&gt;宁德时代今日发布新电池……阅读全文&lt;/p&gt;</description></item>"
            "</channel></rss>"
        )
        server.add("/feed.xml", feed, content_type="application/rss+xml")
        source = {"name": "cnbeta", "url": server.url("/feed.xml"), "full_text": True}
        report = fetch_all(make_config(tmp_path, [source]), archive)
    assert report.sources[0].ok and report.added == 1 and not report.sources[0].full_text_failed
    article = next(archive.iter_articles())
    assert article.summary == "宁德时代今日发布新电池……"  # the feed's text, its 阅读全文 dropped
    assert "第二段继续补充细节" in article.content_markdown


def test_site_rules_from_the_config_clean_pages_first(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        config = make_config(tmp_path, [_source(server)], sites={"127.0.0.1": {"remove": [".background"]}})
        assert fetch_all(config, archive).added == 2
    article = next(a for a in archive.iter_articles() if a.title == "宁德时代发布新一代电池")
    assert "第二段继续补充细节" in article.content_markdown and "第三段是背景介绍" not in article.content_markdown


def test_items_without_a_link_are_counted_not_lost_silently(tmp_path, archive):
    with LoopbackServer() as server:
        _serve(server)
        report = fetch_all(make_config(tmp_path, [_source(server)]), archive).sources[0]
    assert report.ok and report.added == 2 and report.found == 3
    assert report.skip_reasons == {"no link ('a' with an href)": 1}
    assert report.summary.endswith("1 skipped: no link ('a' with an href)")
