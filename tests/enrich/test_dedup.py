"""Near-duplicate index: normalization, exact layers, policy, persistence, bad input and the labeled pairs."""

from __future__ import annotations

import functools
import struct
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from finews.enrich.dedup import Fingerprint, Layer, NearDuplicateIndex, Settings, fingerprint, similarity
from finews.enrich.normalize import normalize, to_simplified
from finews.model import BEIJING

from .corpus import held_out, labeled_scores, load_all, load_pairs

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)
BODY = (
    "近日有用户分享了一起堪称RTX 40系列最惨烈的显卡损坏案例，其RTX 4080 Super显卡因短路故障，PCB板都被直接烧穿一个洞。"
    "据该用户描述，他在测试平台上安装这块显卡后，GPU几乎立即开始喷火，从拆机后的照片可见，短路发生的区域位于供电模块附近，"
    "周围的元件已经完全烧毁，维修已无可能。厂商表示将为该用户提供更换服务，并调查故障原因。"
)
OTHER = (
    "商务部发布公告，将20家日本实体列入出口管制管控名单。根据出口管制法和两用物项出口管制条例等法律法规有关规定，"
    "为维护国家安全和利益，履行防扩散等国际义务，决定禁止出口经营者向上述实体出口两用物项，正在开展的相关活动应当立即停止。"
)


def test_normalize_folds_script_width_case_and_punctuation() -> None:
    assert normalize("臺灣ＡＩ晶片：１０億元！Hello, World") == "台湾ai晶片10亿元helloworld"
    assert to_simplified("發佈財報") == "发布财报"
    assert normalize("") == ""
    assert normalize("！？。，、") == ""


def test_traditional_and_simplified_copies_match() -> None:
    simplified = fingerprint("显卡短路烧穿PCB", BODY, T0)
    traditional = fingerprint("顯卡短路燒穿PCB", to_traditional(BODY), T0)
    assert similarity(simplified, traditional) > 0.9


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def test_exact_layers_and_policy() -> None:
    index = NearDuplicateIndex()
    assert index.add("a", "显卡短路烧穿PCB", BODY, T0, source="cnbeta", url="u1", guid="g1").action == "new"
    same_url = index.check("标题改了", OTHER, T0, source="other", url="u1")
    assert (same_url.action, same_url.target, same_url.matches[0].layer) == ("update", "a", Layer.URL)
    same_guid = index.check("x", OTHER, T0, source="cnbeta", guid="g1")
    assert same_guid.matches[0].layer == Layer.GUID
    copy = index.check("显卡短路烧穿PCB", BODY, T0 + timedelta(hours=1), source="ithome")
    assert (copy.action, copy.matches[0].layer) == ("link", Layer.CONTENT)


def test_retitled_same_source_updates_and_other_source_links() -> None:
    index = NearDuplicateIndex()
    index.add("a", "堪称最惨烈！RTX 4080 Super短路 严重到PCB都被烧穿", BODY, T0, source="cnbeta")
    retitled = index.add(
        "b", "RTX4080 Super短路：严重到PCB都被烧穿 堪称最惨烈", BODY + "编辑：小明", T0, source="cnbeta"
    )
    assert (retitled.action, retitled.target) == ("update", "a")
    assert retitled.matches[0].layer == Layer.NEAR and retitled.matches[0].similarity > 0.8
    repost = index.add("c", "RTX 4080 Super显卡短路烧穿PCB", "据快科技报道，" + BODY, T0, source="ithome")
    assert (repost.action, repost.target) == ("link", "a")
    assert index.root("c") == "a"


def test_a_sources_own_earlier_version_wins_over_a_closer_copy_elsewhere() -> None:
    index = NearDuplicateIndex()
    index.add("mine", "RTX 4080 Super短路烧穿PCB", BODY, T0, source="cnbeta")
    index.add("theirs", "堪称最惨烈！RTX 4080 Super短路 严重到PCB都被烧穿", BODY, T0, source="ithome")
    # the same title as the other source's copy, so that copy is the closest match
    again = index.add("mine-2", "堪称最惨烈！RTX 4080 Super短路 严重到PCB都被烧穿", BODY, T0, source="cnbeta")
    assert (again.action, again.target) == ("update", "mine")


def test_different_news_on_one_template_stays_apart() -> None:
    index = NearDuplicateIndex()
    index.add("a", "2022年11月1日新闻联播文字版完整版", "", T0)
    assert index.check("2022年11月12日新闻联播文字版完整版", "", T0).action == "new"
    assert index.check("2022年11月1日新闻联播文字版完整版", "", T0).action == "link"
    index.add("b", "显卡短路烧穿PCB", BODY, T0)
    assert index.check("商务部将20家日本实体列入出口管制管控名单", OTHER, T0).action == "new"


def test_time_window() -> None:
    index = NearDuplicateIndex(Settings(window_days=3))
    index.add("a", "显卡短路烧穿PCB", BODY + "一", T0)
    assert index.check("显卡短路", BODY + "二", T0 + timedelta(days=2)).action == "link"
    assert index.check("显卡短路", BODY + "二", T0 + timedelta(days=5)).action == "new"
    assert index.prune(T0 + timedelta(days=1)) == 1 and len(index) == 0


def test_trail_forgets_what_arrived_before_the_window() -> None:
    index = NearDuplicateIndex(Settings(window_days=3))
    now = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
    for day in range(10):  # published long ago, arrived one a day
        index.insert(f"d{day}", fingerprint(f"第{day}条：显卡短路烧穿PCB", BODY + str(day), T0), source="s",
                     url=f"https://example.com/{day}", arrived=now - (9 - day) * 86400)  # fmt: skip
    assert index.trail(now=datetime.fromtimestamp(now, UTC)) == 6  # d0…d5 came more than 3 days ago
    assert [d for d in ("d5", "d6", "d9") if d in index] == ["d6", "d9"]
    # what is left still answers, by URL and by text
    assert index.check("x", "y", url="https://example.com/9").target == "d9"
    assert index.check("第9条：显卡短路烧穿PCB", BODY + "9", T0, source="t").matches[0].doc_id == "d9"
    assert index.check("x", "y", url="https://example.com/2").action == "new"


def test_fingerprints_round_trip_as_bytes_and_reload() -> None:
    index = NearDuplicateIndex()
    index.add("a", "显卡短路烧穿PCB", BODY, T0, source="cnbeta", url="u1")
    index.add("b", "商务部出口管制", OTHER, None, source="mofcom")
    fp = index.fingerprint("a")
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp and index.fingerprint_bytes("a") == fp.to_bytes()
    again = NearDuplicateIndex()  # as an archive resumes: its stored fingerprints inserted as they are
    for doc_id, source in (("a", "cnbeta"), ("b", "mofcom")):
        again.insert(doc_id, Fingerprint.from_bytes(index.fingerprint_bytes(doc_id)), source=source)
    assert len(again) == 2 and again.fingerprint("b").published is None
    assert again.check("显卡短路烧穿PCB 更新", BODY, T0, source="cnbeta").target == "a"
    index.remove("a")
    assert "a" not in index and index.check("x", BODY, T0, url="u1").action == "new"


def test_many_removals_renumber_and_keep_answers(monkeypatch) -> None:
    from finews.enrich import dedup

    monkeypatch.setattr(dedup, "MERGE_AT", 16)  # compact after a few removals
    index = NearDuplicateIndex()
    for n in range(40):
        index.add(f"d{n}", f"第{n}号公告：某公司发布第{n}季度财报", f"{n}号" + OTHER * 2, T0, source="s", url=f"u{n}")
    for n in range(30):
        index.remove(f"d{n}")
    assert len(index) == 10 and len(index._ids) < 40  # the forgotten slots are gone
    assert index.check("x", "y", url="u35").target == "d35" and index.check("x", "y", url="u5").action == "new"
    assert index.check("第37号公告：某公司发布第37季度财报", "37号" + OTHER * 2, T0, source="s").target == "d37"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", ""),
        ("标题", ""),
        ("", BODY),
        ("Apple releases iOS 19", "Apple today released iOS 19 with a new design. " * 20),
    ],
)
def test_bad_input_does_not_crash(title: str, text: str) -> None:
    index = NearDuplicateIndex()
    index.add("a", title, text, None)
    index.add("b", title, text, T0)
    assert index.check(title, text).action in {"new", "update", "link"}


def test_english_only_copies_match() -> None:
    text = "Apple today released iOS 19 with a redesigned home screen, new privacy controls and faster Siri. " * 5
    index = NearDuplicateIndex()
    index.add("a", "Apple releases iOS 19", text, T0, source="x")
    assert index.check("Apple has released iOS 19", text + " Update: fixed a typo.", T0, source="y").action == "link"


def test_one_megabyte_article_is_bounded() -> None:
    huge = (BODY * 4000)[:1_000_000]
    index = NearDuplicateIndex()
    start = time.perf_counter()
    index.add("a", "巨长的文章", huge, T0)
    verdict = index.add("b", "巨长的文章 转载", huge, T0, source="other")
    assert time.perf_counter() - start < 1.0
    assert verdict.action == "link"


def test_generic_headlines_alone_do_not_match() -> None:
    index = NearDuplicateIndex()
    index.add("a", "JavaScript Objects", "", T0, source="x")
    index.add("b", "Imposter Syndrome", "", T0, source="x")
    assert index.check("JAVASCRIPT OBJECTS", "", T0, source="y").action == "new"  # not even the content layer
    assert index.check("Overcoming Imposter Syndrome", "", T0, source="y").action == "new"
    index.add("c", "中关村智用人工智能伙伴计划报名已开放，八大服务帮助AI落地", "", T0, source="x")
    assert index.check("“中关村智用人工智能伙伴计划”报名已开放，八大服务助力AI落地", "", T0, source="y").target == "c"


def test_quoted_headline_finds_its_original() -> None:
    index = NearDuplicateIndex()
    index.add("a", "不改一行代码！快速部署 Next.js 博客到 Serverless SSR", "", T0, source="infoq")
    repost = "#小Q分享# 《不改一行代码！快速部署 Next.js 博客到 Serverless SSR》近期，腾讯云 Serverless 团队发布了"
    assert index.check(repost, "", T0, source="weibo").target == "a"
    # and the other way round: the repost came first
    index = NearDuplicateIndex()
    index.add("b", repost, "", T0, source="weibo")
    assert index.check("不改一行代码！快速部署 Next.js 博客到 Serverless SSR", "", T0, source="infoq").target == "b"


def test_containment_needs_a_shared_headline() -> None:
    index = NearDuplicateIndex()
    index.add("a", "RTX 4080 Super显卡短路烧穿PCB 堪称最惨烈", BODY + OTHER, T0, source="x")
    # The first report inside a longer text: a repost that adds a paragraph, or a question quoting it.
    assert index.check("RTX 4080 Super短路烧穿PCB", BODY + "你怎么看？", T0, source="y").action == "link"
    # The same paragraph under an unrelated headline is another item that reuses it.
    assert index.check("商务部回应日本实体出口管制问题", BODY + "你怎么看？", T0, source="y").action == "new"


def test_a_dropped_year_is_not_another_number() -> None:
    a = fingerprint("2026年央视3·15晚会主题官宣", "", T0)
    b = fingerprint("央视3·15晚会主题官宣", "", T0)
    c = fingerprint("2025年央视3·15晚会主题官宣", "", T0)
    assert similarity(a, b) >= Settings().threshold > similarity(a, c)


@functools.cache
def _scores(corpora: Path) -> dict[str, tuple[float, float, float]]:
    return labeled_scores(load_all(corpora), load_pairs())


@pytest.fixture
def labeled(corpora: Path) -> dict[str, tuple[float, float, float]]:
    return _scores(corpora)


def test_labeled_pairs_are_well_formed() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 300
    assert sum(p.label for p in pairs) >= 90 and sum(not p.label for p in pairs) >= 200
    assert len({frozenset((p.a, p.b)) for p in pairs}) == len(pairs)
    held = [p for p in pairs if held_out(p)]
    assert len(held) >= 100 and len(held) >= len(pairs) / 3
    assert sum(p.label for p in held) >= 40


def test_labeled_pairs_tuning_floor(labeled: dict[str, tuple[float, float, float]]) -> None:
    """Guards the part the thresholds were chosen on (P 1.00, R 0.88, F1 0.938 when this was written)."""
    precision, recall, f1 = labeled["tuning"]
    assert precision >= 0.97 and recall >= 0.86 and f1 >= 0.92, labeled


def test_labeled_pairs_held_out(labeled: dict[str, tuple[float, float, float]]) -> None:
    """The target, on pairs no threshold was tuned on (P 0.93, R 1.00, F1 0.966 when this was written);
    over all pairs P 0.97, R 0.94, F1 0.951."""
    assert labeled["held_out"][2] >= 0.95, labeled
    assert labeled["all"][2] >= 0.94, labeled


def test_a_copy_of_a_group_whose_first_report_was_pruned_still_links() -> None:
    index = NearDuplicateIndex()
    index.add("first", "RTX 4080 Super短路烧穿PCB", BODY, T0, source="cnbeta")
    index.add("copy", "堪称最惨烈！RTX 4080 Super短路 严重到PCB都被烧穿", BODY, T0, source="ithome")
    index.remove("first")
    again = index.add("third", "RTX 4080 Super显卡短路", BODY, T0, source="mydrivers")
    assert (again.action, again.target) == ("link", "first") and index.root("third") == "first"


def test_released_fingerprints_are_read_back_from_the_archive() -> None:
    archived: dict[str, bytes] = {}
    asked: list[list[str]] = []

    def stored(ids: list[str]) -> dict[str, bytes]:
        asked.append(sorted(ids))
        return {i: archived[i] for i in ids if i in archived}

    index = NearDuplicateIndex(stored=stored)
    index.add("a", "显卡短路烧穿PCB", BODY, T0, source="cnbeta")
    index.add("b", "商务部出口管制", OTHER, T0, source="mofcom")
    index.add("c", "显卡短路烧穿PCB（更新）", BODY + "更新", T0, source="cnbeta")
    archived["a"] = index.fingerprint_bytes("a")  # "b" never reached the archive (its save failed)
    assert index.release(keep={"c"}) == 2 and index._prints[index._slot_of["c"]] is not None
    assert index.check("显卡短路烧穿PCB", BODY + "另有补充", T0, source="ithome").action == "link"
    assert ["a"] in asked and index.fingerprint_bytes("a") == archived["a"]
    # b's fingerprint is nowhere, so a reworded copy cannot match it (an exact copy still would, by its hash)
    assert index.check("商务部出口管制", OTHER + "另有补充", T0, source="gov").action == "new"
    assert index.release() == 0  # "c" stays in memory, nothing new was added


def test_a_sources_own_text_grown_or_cut_short_is_a_new_item_that_follows_it() -> None:
    index = NearDuplicateIndex()
    index.add("post", "RTX 4080 Super显卡短路烧穿PCB", BODY, T0, source="channel")
    news = "更新：厂商已确认是供电模块的一批电容存在缺陷，受影响的用户可以在官网登记序列号，免费更换新卡。"
    for text in (BODY + news, news + BODY, BODY[: len(BODY) * 2 // 3]):  # follow-up, comment first, cut short
        verdict = index.check("RTX 4080 Super显卡短路烧穿PCB", text, T0, source="channel")
        assert (verdict.action, verdict.target, verdict.follows) == ("new", None, "post"), text
        # the same text from another source is still a copy of the post
        assert index.check("RTX 4080 Super显卡短路烧穿PCB", text, T0, source="other").action == "link"
    signed = index.check("RTX 4080 Super显卡短路烧穿PCB", BODY + "编辑：小明", T0, source="channel")
    assert (signed.action, signed.target, signed.follows) == ("update", "post", None)


def test_the_rule_is_the_same_either_way_round() -> None:
    from finews.enrich.fingerprint import reworded

    news = "更新：厂商已确认是供电模块的一批电容存在缺陷，受影响的用户可以在官网登记序列号，免费更换新卡。"
    post, grown = fingerprint("显卡短路", BODY, T0), fingerprint("显卡短路", BODY + news, T0)
    assert not reworded(post, grown) and not reworded(grown, post)
    assert reworded(post, fingerprint("显卡短路烧穿", BODY.replace("几乎立即", "马上"), T0))
    # bare headlines: a retitle of one length updates, a headline grown by a word is another post
    assert reworded(fingerprint("第五届中国R语言会议北京", "", T0), fingerprint("第五届中国R语言会议上海", "", T0))
    assert not reworded(fingerprint("第五届中国R语言会议", "", T0), fingerprint("第五届中国R语言会议纪要", "", T0))


def test_a_long_posts_length_is_kept_past_the_signed_opening() -> None:
    long_text = OTHER * 30
    short, longer = fingerprint("长文", long_text, T0), fingerprint("长文", long_text + OTHER * 10, T0)
    assert short.body_sig == longer.body_sig and short.text_size < longer.text_size
    index = NearDuplicateIndex()
    index.add("post", "长文", long_text, T0, source="s")
    assert index.check("长文", long_text + OTHER * 10, T0, source="s").follows == "post"


def test_fingerprints_of_the_previous_version_are_still_read() -> None:
    fp = fingerprint("显卡短路烧穿PCB", BODY, T0)
    head = struct.pack("<BIdHHH", 1, fp.body_size, fp.published, len(fp.title.encode()) + 1, len(fp.title_sig),
                       len(fp.body_sig))  # fmt: skip
    old = head + fp.content_hash + f"{fp.title}\x00".encode() + fp.title_sig + fp.body_sig
    again = Fingerprint.from_bytes(old)
    assert again.text_size == 0 and again.body_sig == fp.body_sig and similarity(again, fp) == 1.0
    index = NearDuplicateIndex()
    index.insert("old", again, source="cnbeta")
    assert index.check("显卡短路烧穿PCB 更新", BODY + "编辑：小明", T0, source="cnbeta").target == "old"
