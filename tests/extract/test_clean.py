import pytest

from finews.extract.clean import clean_html, clean_title, html_to_text, sanitize, tidy, valid_url
from finews.extract.markdown import to_markdown

from ..conftest import REFERENCE, need


def _reference_body(name: str) -> str:
    text = need(REFERENCE / name).read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1]


def test_eastmoney_widgets_hidden_and_entity_markup_go():
    result = clean_html(_reference_body("jekyll-eastmoney-post.md"), "http://hk.eastmoney.com/news/1.html")
    for junk in ("EM_StockImg", "display:none", "data-code", "keytip", "<span", "webquoteklinepic", "style="):
        assert junk not in result.html
    text = html_to_text(result.html)
    assert "在清洁机器人领域创业" in text
    assert "吴恩达宣布从百度辞职" in text
    assert "在清洁机器人领域创业" in to_markdown(result.html)
    codes = {a.code for a in result.annotations}
    assert {"106,BABA", "0,300024", "105,BIDU", "105,MSFT"} <= codes


def test_36kr_project_links_unwrapped_images_kept_with_referrer_policy():
    result = clean_html(_reference_body("hexo-36kr-post.md"))
    assert "project-link" not in result.html and "data-name" not in result.html
    assert "语音识别" in html_to_text(result.html)
    assert result.images[0] == "https://img.36krcdn.com/20220519/v2_96946e80d3d745f6ac86dc6c79184ac9_img_000"
    assert 'referrerpolicy="no-referrer"' in result.html
    assert any(a.kind == "company" and a.code == "京东" for a in result.annotations)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<style>body{display:none}</style>",
        '<iframe src="https://evil.example/"></iframe>',
        '<svg onload="alert(1)"><circle/></svg>',
        '<p onclick="alert(1)" style="background:url(javascript:alert(1))">x</p>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    ],
)
def test_scripts_handlers_and_dangerous_urls_removed(hostile):
    out = clean_html(f"<p>正文</p>{hostile}").html
    lowered = out.lower()
    assert "<script" not in lowered and "javascript:" not in lowered and "onerror" not in lowered
    assert "onclick" not in lowered and "<iframe" not in lowered and "<svg" not in lowered
    assert "正文" in out


def test_tracking_pixels_and_lazy_images():
    html = (
        '<p>a</p><img src="https://track.example.com/p.gif" width="1" height="1">'
        '<img src="https://www.google-analytics.com/collect?x=1">'
        '<img data-src="/img/photo.jpg" alt="图">'
    )
    result = clean_html(html, "https://news.example.cn/a/1.html")
    assert result.images == ["https://news.example.cn/img/photo.jpg"]
    assert "track.example.com" not in result.html


def test_hidden_elements_and_fullwidth_indents():
    out = clean_html('<p>\u3000\u3000第一段</p><div style="DISPLAY: none">隐藏</div><p hidden>也隐藏</p>').html
    assert out == "<p>第一段</p>"


def test_sanitize_is_an_allowlist():
    assert sanitize('<p class="x" id="y">a<blink>b</blink></p>') == "<p>ab</p>"


def test_titles_lose_tags_controls_and_newlines():
    assert clean_title(" <b>标题</b>\n第二行\x00\u200b ") == "标题 第二行"


def test_empty_input():
    assert clean_html("").html == "" and clean_html("   ").images == []


def test_digest_keeps_closing_quotes_and_separates_headings():
    from finews.extract import prepare
    from finews.model import Article

    body = "<h2>新一轮融资</h2><p>示例科技获悉，公司完成融资。</p><p>" + "他说：“感谢团队的付出。”" * 8 + "</p>"
    digest = prepare(Article(source="s", url="https://e.cn/1", title="t", content_html=body)).summary
    assert digest.startswith("新一轮融资 示例科技获悉") and digest.endswith("。”")


def test_what_the_allowlist_lets_through_but_html_forbids_is_fixed():
    raw = (
        '<pre><code lang="python">print(1)</code></pre><p lang="text">x</p>'
        '<a name="top">锚点</a><a href="https://e.cn/a b/新闻.html?q=中 文&amp;p=1#x#y">链接</a>'
        '<img src="https://e.cn/i.png" width="72px" height="auto"><img src="https://e.cn/j.png" width=" 40 ">'
        "<h2>  </h2><h3>&nbsp;</h3>"
    )
    html = sanitize(raw)
    assert "lang=" not in html  # publishers put programming languages there, not language tags
    assert "<a>锚点</a>" in html  # no rel on a link without href
    assert 'href="https://e.cn/a%20b/%E6%96%B0%E9%97%BB.html?q=%E4%B8%AD%20%E6%96%87&amp;p=1#x%23y"' in html
    assert 'width="72"' in html and "height=" not in html and 'width="40"' in html
    assert "<h2>" not in html and "<h3>" not in html  # empty headings go
    assert sanitize(html) == html  # stable: cleaning again changes nothing


def test_headings_never_skip_a_level_under_the_pages_title():
    # everything in the source sits under its <h1>: one level below the page's title, the rest below it
    html = sanitize("<h1>总</h1><p>a</p><h4>一</h4><h4>二</h4><h6>细</h6><h3>三</h3><h2>四</h2><h5>五</h5>")
    assert html == "<h2>总</h2><p>a</p><h3>一</h3><h3>二</h3><h4>细</h4><h3>三</h3><h3>四</h3><h4>五</h4>"
    assert sanitize("<h4>甲</h4><p>b</p><h2>乙</h2><h3>丙</h3>") == "<h2>甲</h2><p>b</p><h2>乙</h2><h3>丙</h3>"


def test_stored_html_is_made_valid_when_its_page_is_made():
    stored = '<h3>标题</h3><code lang="json">{}</code><a title="t" rel="noopener noreferrer nofollow">x</a>'
    assert tidy(stored) == '<h2>标题</h2><code>{}</code><a title="t">x</a>'


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.cn/a/1.html?x=1&y=2#top", "https://e.cn/a/1.html?x=1&y=2#top"),  # valid: as it is
        ("https://e.cn/a b.html", "https://e.cn/a%20b.html"),
        ("https://e.cn/新闻/100%.html", "https://e.cn/%E6%96%B0%E9%97%BB/100%25.html"),
        ("https://例子.中国/a", "https://xn--fsqu00a.xn--fiqs8s/a"),
        ("https://e.cn/a%20b.html", "https://e.cn/a%20b.html"),  # encoded once, never twice
        ("https://e.cn/a|b\x00", "https://e.cn/a%7Cb%00"),
    ],
)
def test_urls_from_feeds_are_written_as_valid_urls(url, expected):
    assert valid_url(url) == expected
