"""Full-text extraction on small hand-written pages: content kept, chrome dropped, junk survived."""

from __future__ import annotations

import os

import pytest

from finews.extract.evaluate import aeb_score, char_shingles, cwced_score, match
from finews.extract.fulltext import Extracted, _Candidate, choose, containment, extract_article
from finews.extract.site_rules import SiteRule, apply_rule, load_rules, rule_for
from finews.fetch.charset import decode

PARAS = [
    "央行今日开展了 2000 亿元逆回购操作，中标利率持平，市场流动性保持合理充裕，资金面整体平稳。",
    "分析人士指出，随着财政支出加快，银行体系流动性有望进一步改善，短端利率中枢或小幅下行。",
    "朱镕基时期推行的分税制改革奠定了此后的财政格局，王喆认为当前政策仍有相当的调整空间。",
    "多家券商研报认为，下半年货币政策将继续保持稳健基调，结构性工具会发挥更大作用，支持实体经济。",
]
NAV = "".join(f'<li><a href="/c{i}">栏目导航{i}</a></li>' for i in range(12))
RELATED = "".join(f'<li><a href="/n{i}">相关新闻标题第{i}条：某公司发布公告称业绩预增</a></li>' for i in range(10))


def page(body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f"<title>央行开展逆回购操作 - 示例财经</title>{head}</head>"
        f'<body><header><ul class="nav">{NAV}</ul></header>{body}'
        "<footer><p>版权所有 © 示例财经 京ICP备00000000号</p></footer></body></html>"
    )


ARTICLE = "<article><h1>央行开展逆回购操作</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"
META = '<meta property="article:published_time" content="2024-03-05T09:30:00+08:00"><meta name="author" content="李明">'


def test_article_text_title_author_date():
    result = extract_article(page(ARTICLE + f'<ul class="related">{RELATED}</ul>', META), "https://news.example.cn/a/1")
    assert isinstance(result, Extracted)
    for para in PARAS:
        assert para.replace(" ", "") in result.text.replace(" ", "")
    assert "栏目导航" not in result.text and "京ICP备" not in result.text
    assert result.title and "央行开展逆回购操作" in result.title
    assert result.author == "李明"
    assert result.published == "2024-03-05T09:30:00+08:00"
    assert result.extractor in {"trafilatura", "readability"}
    assert "<p>" in result.html


def test_gbk_page_through_finews_decoder():
    raw = page(ARTICLE, charset="gbk").encode("gb18030")
    text, encoding = decode(raw, None)
    assert encoding == "gb18030"
    result = extract_article(text, "https://finance.example.cn/2024/0305/1.shtml")
    assert result is not None
    assert "朱镕基" in result.text and "王喆" in result.text


def test_cnbeta_rule_keeps_summary_and_body_only():
    body = (
        '<div class="cnbeta-article"><header class="title"><h1>标题</h1></header>'
        f'<div class="article-summary"><p>{PARAS[0]}</p><div class="topic"><a href="/topics/1">央行</a></div></div>'
        f'<div class="article-content">' + "".join(f"<p>{p}</p>" for p in PARAS[1:]) + "</div>"
        f'<div class="article-global"><h4>相关阅读</h4><ul>{RELATED}</ul></div></div>'
        f'<div class="comments"><p>{"网友评论：说得好，支持一下！" * 8}</p></div>'
    )
    result = extract_article(page(body), "https://www.cnbeta.com.tw/articles/tech/1412345.htm")
    assert result is not None
    assert all(p.replace(" ", "") in result.text.replace(" ", "") for p in PARAS)
    assert "相关新闻标题" not in result.text and "网友评论" not in result.text


def test_rules_suffix_match_and_override():
    rules = load_rules({"example.com": {"remove": [".ad"], "keep": "#story"}, "cnbeta.com.tw": {"remove": ["x"]}})
    assert rule_for("https://m.example.com/a", rules) == SiteRule((".ad",), "#story")
    assert rule_for("https://notexample.com/a", rules) is None
    assert rule_for("https://www.cnbeta.com.tw/a", rules) == SiteRule(("x",), None)  # the user's entry wins
    assert rule_for("https://www.36kr.com/p/1", rules).keep == "div.articleDetailContent"
    assert rule_for(None, rules) is None and rule_for("http://[::1", rules) is None
    with pytest.raises(ValueError, match="remove"):
        load_rules({"bad.com": {"remove": ".ad"}})


def test_apply_rule_removes_keeps_and_survives_bad_selectors():
    html = (
        '<html><head><title>t</title></head><body><div id="s"><p>a</p><p class="ad">buy</p>'
        '<div id="s2">b</div></div><p>nav</p></body></html>'
    )
    out = apply_rule(html, SiteRule((".ad", "p[[["), "#s, #s2"))
    assert "buy" not in out and "nav" not in out and "<title>t</title>" in out
    assert out.count(">b<") == 1  # nested matches are not duplicated
    assert apply_rule(html, SiteRule((), "#missing")).count("nav") == 1  # keep matching nothing: rule ignored


def test_rule_applied_before_extraction():
    body = (
        f'<div id="story">{ARTICLE}</div><aside class="promo"><p>{"限时优惠，立即开户领取新人礼包！" * 6}</p></aside>'
    )
    rules = load_rules({"example.org": {"keep": "#story"}})
    result = extract_article(page(body), "https://www.example.org/x", rules=rules)
    assert result is not None and "限时优惠" not in result.text


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   \n\t",
        "\x00\x01\x02" * 100,
        os.urandom(20_000).decode("latin-1"),
        "<html><body>" + "<div>" * 20_000 + "深层嵌套" + "</div>" * 20_000 + "</body></html>",
        "<table>" * 5_000 + "<td>未闭合",
        "<p>太短</p>",
        "<html><head><title>只有标题</title></head><body></body></html>",
        "<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>",
        "<scr<script>ipt>alert(1)</script><p onload=x>" * 50,
    ],
)
def test_hostile_input_never_raises(junk):
    result = extract_article(junk, "https://example.com/")
    assert result is None or isinstance(result, Extracted)


def test_non_string_input_is_none():
    assert extract_article(b"<p>bytes</p>") is None  # type: ignore[arg-type]


def test_choose_prefers_confirmed_tighter_and_fuller_blocks():
    story = "".join(PARAS)
    boiler = "栏目导航首页财经股票基金期货外汇债券理财保险银行黄金" * 20
    traf = _Candidate("trafilatura", "", story + boiler)
    read = _Candidate("readability", "", story)
    assert choose(traf, read) is read  # readability's text is inside trafilatura's: boilerplate around it
    assert choose(_Candidate("trafilatura", "", PARAS[0]), _Candidate("readability", "", story * 2)).extractor == (
        "readability"
    )  # trafilatura stopped early
    other = _Candidate("readability", "", "完全不同的另一段文字，讲的是天气预报与出行提示。" * 3)
    assert choose(traf, other) is traf  # disagreement: trafilatura stays
    assert choose(None, read) is read and choose(traf, None) is traf and choose(None, None) is None


def test_containment_units():
    assert containment("a b c d", "x a b c d y") == 1.0
    assert containment("央行今日开展", "今日央行开展") < 0.5
    assert containment("", "anything") == 0.0


def test_scores_follow_the_benchmark_conventions():
    assert match("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    assert aeb_score([("one two three four five", "one two three four five")]).f1 == 1.0
    empty = aeb_score([("one two three four five", None), ("x y z w", "x y z w")])
    assert empty.recall == 0.5 and empty.precision == 1.0  # no prediction: counts for recall only
    assert cwced_score([("央行 今日\n开展", "央行今日开展")]).f1 == 1.0  # whitespace is ignored
    assert sum(char_shingles("央行今日开展").values()) == 3
