import time
from datetime import datetime

from finews.enrich.events import ExecutiveMove, extract_moves, merge_moves, real_organization
from finews.model import BEIJING, Article

from .labeled import labeled_articles, load_labels, reference_article, score

EASTMONEY = {
    ("王刚", "阿里巴巴"), ("吴恩达", "百度"), ("李飞飞", "谷歌"), ("张潼", "腾讯"), ("魏秀参", "旷视"),
    ("马维英", "字节跳动"), ("李磊", "字节跳动"), ("曾文军", "微软"), ("王长虎", "字节跳动"), ("漆远", "蚂蚁集团"),
}  # fmt: skip


def test_reference_posts(reference) -> None:
    em = extract_moves(reference_article(reference, "jekyll-eastmoney-post.md"))
    kr = extract_moves(reference_article(reference, "hexo-36kr-post.md"))
    assert {m.key for m in em} >= EASTMONEY
    found = {m.key: m for m in merge_moves([*em, *kr])}
    assert len(found) >= 10
    assert {("金榕", "阿里巴巴"), ("于建强", "京东"), ("梅晓", "字节跳动"), ("周伯文", "京东")} <= set(found)
    # 去年8月 / 同年10月 / 今年年初 resolved from the 36kr post's date, and agreeing with the eastmoney post
    assert found[("李磊", "字节跳动")].when == "2021-08"
    assert found[("王长虎", "字节跳动")].when == "2021-10"
    assert found[("王刚", "阿里巴巴")].when == "2022-01"
    assert found[("吴恩达", "百度")].when == "2017-03-20"
    assert "南京理工大学" in found[("魏秀参", "旷视")].destination
    assert "龙湖" in found[("王长虎", "字节跳动")].destination
    # the same move from both articles is one record that remembers both reports
    assert len(found[("李磊", "字节跳动")].reports) == 2
    assert found[("漆远", "蚂蚁集团")].role == "副总裁、首席数据科学家"


def test_labeled_set_precision_recall(reference, corpora) -> None:
    articles = labeled_articles(reference, corpora)
    tuning = score(load_labels("tuning"), articles, extract_moves)
    heldout = score(load_labels("heldout"), articles, extract_moves)
    assert tuning.gold >= 150 and heldout.gold >= 30
    # tuning measured 0.989 / 0.612 (93 of 152): 87 of its moves were labeled from a later reading of the
    # feeds and only then tuned on; the floors catch regressions with about three moves of slack
    assert tuning.precision >= 0.95, tuning
    assert tuning.recall >= 0.59, tuning
    assert tuning.dated_right >= 0.85 * tuning.dated, tuning
    # held-out measured 0.765 / 0.317 (13 of 17 predicted, 41 labeled): the honest figure, short of
    # the 0.9 / 0.6 aimed at; floors leave one move of slack on a small sample
    assert heldout.precision >= 0.7, heldout
    assert heldout.recall >= 0.29, heldout


def test_subjects_carried_qualified_and_listed_later() -> None:
    when = datetime(2026, 8, 1, tzinfo=BEIJING)

    def keys(summary: str, title: str = "t") -> set[tuple[str, str]]:
        return {
            m.key for m in extract_moves(Article(source="s", url="u", title=title, published=when, summary=summary))
        }

    # a pronoun opening the next sentence is the person the sentence before named, where it said they worked
    assert keys("另一名关键人物是刘畅（Chang Liu），他在苹果工作了8年。2026年1月他也跳槽到了OpenAI。") == {
        ("刘畅", "苹果")
    }
    # without an employer in the sentence before, a pronoun is not enough
    assert keys("作为联合创始人，张伟本月回归。他在2024年辞去联席CEO一职。", title="OpenAI") == set()
    # the verb qualifying the name after it
    assert keys("即将离任的苹果首席执行官蒂姆·库克并未评论。") == {("蒂姆·库克", "苹果")}
    # 离开了谷歌，其中包括A和B: the list after the organization left
    assert keys("多位高层离开了谷歌，其中包括技术负责人杰夫·迪恩和奥里奥尔·维尼亚尔斯。") == {
        ("杰夫·迪恩", "谷歌"), ("奥里奥尔·维尼亚尔斯", "谷歌"),
    }  # fmt: skip
    # the headline clause with the verb names the organization left
    assert keys("离职的研究人员分别是Yinfei Yang和Bailin Wang。", title="库克押宝谷歌酿苦果？苹果精英接连离职") == {
        ("Yinfei Yang", "苹果"), ("Bailin Wang", "苹果"),
    }  # fmt: skip


def test_places_exceptions_and_weighed_moves_are_not_moves() -> None:
    for text in (
        "月之暗面创始人杨植麟离开美国，回国创业。",  # a country, not an employer
        "xAI除马斯克外联合创始人全离职。",  # the one excepted, and 全离职 is no name
        "腾讯副总裁张三考虑离职。",  # only weighed
        "育碧工会呼吁现任CEO辞职。",
        "吕先生透露，他于今年1月22日从腾讯离职。",  # a surname and an address name no one
        "前谷歌CEO埃里克·施密特谈到即将步入职场的毕业生。",  # 步入职场 is not 入职
    ):
        assert extract_moves(Article(source="s", url="u", title="t", summary=text)) == [], text


def test_list_row_and_names_after_the_verb() -> None:
    when = datetime(2026, 2, 27, tzinfo=BEIJING)
    text = (
        "<p>xAI的12名联合创始人中，已有7人离职。</p><p>Greg Yang（2026年1月）：因莱姆病离职，并淡出日常运营。</p>"
        "<p>OpenAI的伦理负责人张三离职。其他离职高管还包括安全系统主管李四，以及首席科学家王五。</p>"
    )
    article = Article(source="s", url="u", title="xAI与OpenAI高管离职", published=when, content_html=text)
    found = {m.key: m for m in extract_moves(article)}
    assert {("Greg Yang", "xAI"), ("张三", "OpenAI"), ("李四", "OpenAI"), ("王五", "OpenAI")} <= set(found)
    assert found[("Greg Yang", "xAI")].when == "2026-01"


def test_leaving_the_company_named_in_the_title() -> None:
    article = Article(
        source="s", url="u", title="xAI再失两员大将", summary="本周，Zihang Dai、Guodong Zhang已离开公司。"
    )
    assert {m.key for m in extract_moves(article)} == {("Zihang Dai", "xAI"), ("Guodong Zhang", "xAI")}
    # 离开 with no organization after it stays a weak cue
    assert extract_moves(Article(source="s", url="u", title="t", summary="张三离开了房间。")) == []


def test_appointment_alone_is_not_a_move() -> None:
    article = Article(source="s", url="u", title="t", summary="2023年，张三出任腾讯CEO。李四加入阿里巴巴。")
    assert extract_moves(article) == []


def test_former_title_with_arrival_is_a_move() -> None:
    when = datetime(2022, 1, 5, tzinfo=BEIJING)
    article = Article(
        source="s", url="u", title="t", published=when, summary="11月，蚂蚁金服原副总裁漆远加盟复旦大学。"
    )
    (move,) = extract_moves(article)
    assert (move.person, move.org_key, move.when, move.destination) == ("漆远", "蚂蚁集团", "2021-11", "复旦大学")


def test_merge_prefers_precise_dates() -> None:
    a = ExecutiveMove("李磊", "字节跳动", "字节跳动", when="2021", url="a")
    b = ExecutiveMove("李磊", "字节", "字节跳动", when="2021-08", destination="UCSB", url="b")
    (merged,) = merge_moves([a, b])
    assert (merged.when, merged.destination, merged.reports) == ("2021-08", "UCSB", ("a", "b"))


def test_a_date_the_text_states_beats_the_headlines_month() -> None:
    when = datetime(2026, 11, 28, 10, tzinfo=BEIJING)
    body = "<p>阿里巴巴副总裁、达摩院自动驾驶实验室负责人王刚已于去年8月离职，加盟字节跳动。</p>"
    article = Article(source="s", url="u", title="阿里副总裁王刚离职", published=when, content_html=body)
    (move,) = extract_moves(article)
    assert (move.person, move.when, move.destination) == ("王刚", "2025-08", "字节跳动")
    # across reports too: a month inferred from one article yields to a date another states
    inferred = ExecutiveMove("王刚", "阿里巴巴", "阿里巴巴", when="2026-11", url="a")
    stated = ExecutiveMove("王刚", "阿里巴巴", "阿里巴巴", when="2025-08", when_text="去年8月", url="b")
    assert merge_moves([inferred, stated])[0].when == "2025-08"


def test_bad_input_is_bounded() -> None:
    # thousands of distinct titled names before a move verb, with no full stop: every name is a
    # candidate subject, so per-sentence work has to stay bounded (this took minutes once)
    names = "".join(
        f"总裁{a}{b}{c}表示将离职，"
        for a in "王李张刘陈杨黄赵吴周"
        for b in "伟芳娜秀英敏静丽强磊"
        for c in "军洋勇艳杰娟涛明超霞"
    )
    for text in ["", "Executive John Smith resigned from Acme.", "离职" * 10_000, "辞职。" * 300_000, names * 20]:
        start = time.perf_counter()
        assert isinstance(extract_moves(Article(source="s", url="u", title="", content_html=f"<p>{text}</p>")), list)
        assert time.perf_counter() - start < 60


def test_rows_after_a_header_two_scripts_and_the_articles_month() -> None:
    when = datetime(2026, 2, 27, 9, tzinfo=BEIJING)
    text = (
        "<p>今日，马斯克旗下xAI的联合创始人托比·波伦宣布离职。</p><p>目前已经离职的3人相关信息如下：</p>"
        "<p>Toby Pohlen（2026年2月27日）：最新一位宣布离职的联合创始人。</p>"
        "<p>Jimmy Ba（2026年2月11日）：多伦多大学教授。</p><p>Christian Szegedy（2025年2月）：前Google资深科学家。</p>"
    )
    article = Article(source="s", url="u", title="xAI又一创始人离职", published=when, content_html=text)
    found = {m.person: m.when for m in extract_moves(article)}
    # 托比·波伦 and Toby Pohlen leave xAI the same day in one article: one person
    assert found == {"托比·波伦": "2026-02-27", "Jimmy Ba": "2026-02-11", "Christian Szegedy": "2025-02"}
    (move,) = extract_moves(Article(source="s", url="u", title="t", published=when, summary="腾讯副总裁张三已离职。"))
    assert move.when == "2026-02"  # no time phrase: the article's month bounds it


def test_destination_in_the_next_sentence_and_a_carried_subject() -> None:
    when = datetime(2022, 1, 5, tzinfo=BEIJING)
    text = "2018年，谷歌副总裁、首席科学家李飞飞辞职重返学术界。担任斯坦福大学以人为本人工智能研究院联合主任。"
    (move,) = extract_moves(Article(source="s", url="u", title="t", published=when, summary=text))
    assert (move.person, move.org_key, move.destination) == ("李飞飞", "谷歌", "斯坦福大学")
    text = "钉钉副总裁、AI产品负责人马锐拉发表长文，宣布自己已于5月中旬正式离职。"
    (move,) = extract_moves(Article(source="s", url="u", title="t", published=when, summary=text))
    assert (move.person, move.org_key) == ("马锐拉", "阿里巴巴")


def test_organizations_are_names_not_sentence_pieces() -> None:
    text = "招商蛇口已将其浙江公司总经理王强调离，王强已离职。"
    moves = extract_moves(Article(source="s", url="u", title="t", summary=text))
    assert all("已将其" not in m.org for m in moves)
    assert real_organization("阿里巴巴") and real_organization("斯坦福大学")
    assert not real_organization("招商蛇口已将其浙江公司") and not real_organization("这家公司")
