import time

import pytest

from finews.enrich.entities import CONFIDENT, extract_mentions, find_companies
from finews.enrich.tickers import company_index, find_text_tickers, normalize_em_code
from finews.extract import prepare
from finews.model import Article

from .labeled import reference_article


@pytest.mark.parametrize(
    ("code", "ticker"),
    [
        ("116.09988", "09988.HK"),
        ("106.BABA", "BABA"),
        ("0.300024", "300024.SZ"),
        ("1.600519", "600519.SH"),
        ("105,BIDU", "BIDU"),  # the spelling of keytip links
        ("09988|116|5", "09988.HK"),  # the spelling of K-line widgets
        ("0.830799", "830799.BJ"),
        ("90.BK0800", None),  # a board, not a stock
        ("", None),
    ],
)
def test_eastmoney_codes(code: str, ticker: str | None) -> None:
    assert normalize_em_code(code) == ticker


def test_tickers_in_text() -> None:
    text = "贵州茅台(600519.SH)、腾讯控股（00700.HK）与阿里巴巴（NYSE: BABA）；股票代码：300750；营收100000元"
    assert [h.ticker for h in find_text_tickers(text)] == ["600519.SH", "00700.HK", "BABA", "300750.SZ"]


def test_dictionary_is_consistent() -> None:
    index = company_index()
    assert len(index.companies) >= 300
    assert index.lookup("阿里").tickers == ("BABA", "09988.HK")
    assert index.canonical("达摩院") == "阿里巴巴"
    for company in index.companies:
        for ticker in company.tickers:
            assert ticker == ticker.strip() and " " not in ticker


def test_robot_link_is_not_a_confident_company() -> None:
    html = (
        '<p>王刚将在清洁<a href="http://quote.eastmoney.com/unify/r/0.300024" class="keytip" '
        'data-code="0,300024">机器人</a>领域创业，<a class="keytip" data-code="106,BABA" '
        'href="http://quote.eastmoney.com/unify/r/106.BABA">阿里巴巴</a>回应。</p>'
    )
    article = prepare(Article(source="em", url="http://x/1", title="t", content_html=html))
    found = {m.text: m for m in extract_mentions(article) if m.kind == "company"}
    assert found["机器人"].key == "300024.SZ" and found["机器人"].confidence < CONFIDENT
    assert found["阿里巴巴"].key == "BABA" and found["阿里巴巴"].confidence >= 0.95


def test_link_on_a_word_fragment_is_a_hint() -> None:
    links = {"音识": ("音识", "company")}
    (hit,) = [m for m in find_companies("APP的语音识别功能", links) if m.text == "音识"]
    assert hit.confidence < CONFIDENT


def test_short_alias_inside_a_longer_word_is_skipped() -> None:
    assert [m.key for m in find_companies("伊利诺伊大学香槟分校")] == []


def test_latin_names_need_word_boundaries() -> None:
    found = [(m.text, m.key) for m in find_companies("Metaverse不是Meta，META也是；AMD2与AMD")]
    assert found == [("Meta", "META"), ("META", "META"), ("AMD", "AMD")]


def test_names_found_once_are_found_everywhere() -> None:
    # tagging runs only near titles, move verbs and speech verbs; the name's other mentions are found
    # by searching for it, and a repeated name is a confident one
    text = "据悉，王长虎已经离职。公司内部对此议论纷纷，不少同事回忆起王长虎当年的工作。" + "今天天气很好。" * 50
    people = [m for m in extract_mentions(Article(source="s", url="u", title="t", summary=text)) if m.kind == "person"]
    assert [m.start for m in people if m.key == "王长虎"] == [3, text.rindex("王长虎")]
    assert all(m.confidence >= CONFIDENT for m in people if m.key == "王长虎")


@pytest.mark.parametrize("text", ["该项目的主管单位是工信部。", "公司总监高度重视此事。", "部门经理周期性轮岗。"])
def test_common_words_after_a_title_are_not_people(text: str) -> None:
    # 单, 高 and 周 are surnames, but 单位, 高度 and 周期 are words the dictionary knows well
    article = Article(source="s", url="u", title="t", summary=text)
    assert [m.key for m in extract_mentions(article) if m.kind == "person"] == []


def test_well_known_people_without_a_title() -> None:
    article = Article(source="s", url="u", title="t", summary="马斯克在社交平台上发文，黄仁勋随后回应。")
    people = {m.key: m for m in extract_mentions(article) if m.kind == "person"}
    assert {"马斯克", "黄仁勋"} <= set(people) and people["马斯克"].confidence >= CONFIDENT


def test_offsets_point_at_the_text() -> None:
    article = Article(source="s", url="u", title="腾讯副总裁张三离职", summary="腾讯副总裁张三离职，加盟字节跳动。")
    for m in extract_mentions(article):
        text = article.title if m.field == "title" else article.summary
        assert text[m.start : m.end] == m.text
    people = [m for m in extract_mentions(article) if m.kind == "person"]
    assert {(m.key, m.role, m.org) for m in people} == {("张三", "副总裁", "腾讯")}


def test_reference_post_mentions(reference) -> None:
    article = reference_article(reference, "jekyll-eastmoney-post.md")
    mentions = extract_mentions(article)
    keys = {m.key for m in mentions if m.kind == "company" and m.confidence >= CONFIDENT}
    assert {"BABA", "BIDU", "MSFT", "00700.HK", "GOOGL"} <= keys
    assert "300024.SZ" not in keys and "600887.SH" not in keys  # 机器人, and 伊利 in 伊利诺伊
    people = {m.key for m in mentions if m.kind == "person" and m.confidence >= CONFIDENT}
    assert {"王刚", "吴恩达", "李飞飞", "张潼", "魏秀参", "马维英", "李磊", "曾文军", "王长虎", "漆远"} <= people


@pytest.mark.parametrize(
    "text",
    ["", "   ", "The quick brown fox. Apple's CEO Tim Cook said on Monday.", "Привет мир " * 100, "😀" * 1000],
)
def test_bad_input(text: str) -> None:
    article = Article(source="s", url="u", title=text, content_html=f"<p>{text}</p>" if text else "")
    assert isinstance(extract_mentions(prepare(article)), list)


def test_one_megabyte_is_bounded() -> None:
    body = "<p>" + "阿里巴巴副总裁王刚已离职，腾讯控股(00700.HK)股价上涨。" * 35_000 + "</p>"
    article = Article(source="s", url="u", title="大文章", content_html=body)
    start = time.perf_counter()
    mentions = extract_mentions(article)
    assert mentions and time.perf_counter() - start < 60
