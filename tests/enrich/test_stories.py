"""Events and storylines: reports of one happening form an event, successive events one storyline."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from finews.enrich.stories import StoryClusterer, salient_terms
from finews.model import BEIJING

T0 = datetime(2022, 1, 5, 15, 0, tzinfo=BEIJING)


def read_post(path: Path) -> tuple[str, str, datetime]:
    """Front matter title and date, body as text: enough for the two reference posts."""
    _, front, body = path.read_text(encoding="utf-8").split("---", 2)
    title = re.search(r"^title:\s*['\"]?(.*?)['\"]?\s*$", front, re.M)[1]  # type: ignore[index]
    raw_date = re.search(r"^date:\s*(.+?)\s*$", front, re.M)[1]  # type: ignore[index]
    try:
        published = datetime.strptime(raw_date, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        published = parsedate_to_datetime(raw_date)
    return title, LexborHTMLParser(body).text(separator=" "), published


def test_reference_posts_months_apart_are_two_events(reference: Path) -> None:
    eastmoney = read_post(reference / "jekyll-eastmoney-post.md")
    kr36 = read_post(reference / "hexo-36kr-post.md")
    assert (kr36[2] - eastmoney[2]).days > 100
    clusterer = StoryClusterer()
    first = clusterer.add("eastmoney", *eastmoney)
    same_day = clusterer.add(
        "retold",
        "阿里副总裁、达摩院自动驾驶负责人王刚离职 将在清洁机器人领域创业",
        "阿里巴巴副总裁、达摩院自动驾驶实验室负责人王刚已离职，王刚离职后将在清洁机器人领域创业，并已获得融资。" * 3,
        eastmoney[2] + timedelta(hours=5),
    )
    other = clusterer.add(
        "other",
        "苹果发布新款iPad Air 搭载M3芯片",
        "苹果今日发布新款iPad Air，搭载M3芯片，售价4799元起。" * 5,
        eastmoney[2],
    )
    later = clusterer.add("36kr", *kr36)
    assert first.new and not same_day.new and same_day.story == "eastmoney", same_day
    assert other.new and later.new  # another happening, months later: not the same event


LAUNCH = "字节跳动发布视频生成模型Seedance 2.0，支持多镜头叙事与原生音频，豆包App与即梦平台同步上线。" * 3
DELAY = "字节跳动宣布Seedance 2.0海外版推迟上线，因版权争议需加强防护措施，海外用户暂无法使用Seedance 2.0。" * 3
RELEASE = "字节跳动Seedance 2.0海外版正式上线，新增版权保护与内容标识，海外用户可通过火山引擎API使用Seedance 2.0。" * 3


def test_successive_events_of_one_subject_are_one_storyline() -> None:
    clusterer = StoryClusterer()
    company = ["字节跳动"]
    launch = clusterer.add("launch", "字节跳动发布Seedance 2.0视频生成模型", LAUNCH, T0, entities=company)
    retold = clusterer.add(
        "retold", "Seedance 2.0发布：字节跳动视频生成模型上线豆包", LAUNCH[::-1][:40] + LAUNCH, T0 + timedelta(hours=6),
        entities=company,
    )  # fmt: skip
    delay = clusterer.add(
        "delay", "字节跳动Seedance 2.0海外版推迟上线", DELAY, T0 + timedelta(days=9), entities=company
    )
    release = clusterer.add(
        "release", "字节跳动Seedance 2.0海外版正式上线", RELEASE, T0 + timedelta(days=25), entities=company
    )
    assert retold.story == launch.story == "launch"
    assert delay.new and release.new  # three happenings, three events
    assert launch.thread == delay.thread == release.thread == "launch"  # one storyline
    unrelated = clusterer.add(
        "battery", "宁德时代发布新一代麒麟电池", "宁德时代今日发布新一代麒麟电池，能量密度创新高。" * 3,
        T0 + timedelta(days=10), entities=["宁德时代"],
    )  # fmt: skip
    assert unrelated.new and unrelated.thread == "battery"


def test_an_event_does_not_drift_to_what_later_members_tell() -> None:
    """An event is compared with its own first reports: reports that joined later (here copies of a
    report that also tells of an appointment) do not make a report of that appointment one of the event."""
    clusterer = StoryClusterer()
    company = ["字节跳动"]
    hire = "字节跳动任命张伟为火山引擎总裁，负责云服务与企业客户，原总裁转任顾问。"
    clusterer.add("launch", "字节跳动发布Seedance 2.0视频生成模型", LAUNCH, T0, entities=company)
    for i in range(8):
        clusterer.add(f"r{i}", f"Seedance 2.0发布 字节跳动第{i}篇", LAUNCH + hire * max(0, i - 3),
                      T0 + timedelta(hours=i + 1), same_as="launch", entities=company)  # fmt: skip
    other = clusterer.add(
        "hire", "字节跳动任命张伟为火山引擎总裁", hire * 3, T0 + timedelta(hours=10), entities=company
    )
    assert clusterer.story_of["r7"] == "launch" and other.new


def test_an_event_that_has_not_grown_for_days_is_closed() -> None:
    clusterer = StoryClusterer()
    clusterer.add("launch", "字节跳动发布Seedance 2.0视频生成模型", LAUNCH, T0)
    late = clusterer.add("late", "字节跳动发布Seedance 2.0视频生成模型", LAUNCH, T0 + timedelta(days=4))
    assert late.new and late.thread == "launch"  # the same subject days later: a new event of its storyline
    back = clusterer.add("back", "字节跳动发布Seedance 2.0视频生成模型", LAUNCH, T0 - timedelta(hours=20))
    assert back.story == "launch"  # a report from a day before the first, fetched late, still joins


def test_unrelated_and_distant_reports_stay_apart() -> None:
    clusterer = StoryClusterer()
    text = "宁德时代发布2025年财报，营收同比增长，净利润创新高，动力电池装机量继续位居全球第一。" * 3
    clusterer.add("a", "宁德时代发布年报 净利润创新高", text, T0, entities=["宁德时代"])
    same_day = clusterer.add(
        "b", "宁德时代年报：净利润创新高 动力电池装机量全球第一", text[::-1][:60] + text, T0 + timedelta(hours=3)
    )
    assert same_day.story == "a"
    other = clusterer.add(
        "c",
        "贵州茅台发布年报 营收同比增长",
        "贵州茅台发布年报，白酒营收同比增长，直销渠道占比提升。" * 3,
        T0,
        entities=["贵州茅台"],  # same template, other company: only the entity tells them apart
    )
    assert other.new
    late = clusterer.add("d", "宁德时代发布年报 净利润创新高", text, T0 + timedelta(days=400))
    assert late.new  # past max_gap_days the story is closed


def test_near_duplicate_follows_its_original_and_entities_count() -> None:
    clusterer = StoryClusterer()
    clusterer.add("a", "阿里副总裁王刚离职创业", "阿里巴巴副总裁、达摩院自动驾驶实验室负责人王刚已离职。" * 3, T0)
    assert clusterer.add("b", "完全不同的标题", "无关内容", T0, same_as="a").story == "a"
    terms = salient_terms("阿里副总裁王刚离职", "王刚离职")
    assert "王刚" in terms and "离职" in terms


def test_bad_input() -> None:
    clusterer = StoryClusterer()
    assert clusterer.add("a", "", "", None).new
    assert clusterer.add("b", "", "", None).new
    assert clusterer.add("c", "Apple releases iOS 19", "Apple released iOS 19 today. " * 10, None).new
    huge = "阿里巴巴副总裁离职。" * 100_000
    assert clusterer.add("d", "阿里副总裁离职", huge, T0).story in clusterer.stories


def test_idle_stories_are_forgotten_and_state_round_trips() -> None:
    clusterer = StoryClusterer()
    text = "宁德时代发布2025年财报，营收同比增长，净利润创新高，动力电池装机量继续位居全球第一。" * 3
    clusterer.add("a", "宁德时代发布年报 净利润创新高", text, T0, entities=["宁德时代"])
    clusterer.add("b", "宁德时代年报：净利润创新高 动力电池装机量全球第一", text, T0 + timedelta(hours=3))
    story = clusterer.stories["a"]
    state = json.loads(json.dumps(clusterer.state(story)))  # as the archive keeps it
    assert len(state["core"]) == 2 and state["entities"] == ["宁德时代"] and state["thread"] == "a"

    # a clusterer restored from that state places the next report as the first one would
    restored = StoryClusterer()
    restored.restore("a", state, ["a", "b"])
    follow = ("宁德时代净利润创新高 动力电池装机量第一", text[:80], T0 + timedelta(days=1))
    assert restored.add("c", *follow).story == clusterer.add("c", *follow).story == "a"
    assert restored.terms(restored.stories["a"]) == clusterer.terms(clusterer.stories["a"])
    # and a new event of the same subject weeks on continues the same storyline in both
    sequel = ("宁德时代年报发布后股价创新高 净利润创新高", text, T0 + timedelta(days=20))
    assert restored.add("s", *sequel).thread == clusterer.add("s", *sequel).thread == "a"

    # a report 200 days on: the event and its storyline are forgotten, with their members
    clusterer.add("z", "贵州茅台发布年报", "贵州茅台发布年报，白酒营收同比增长。" * 3, T0 + timedelta(days=200))
    assert "a" not in clusterer.stories and "b" not in clusterer.story_of and "z" in clusterer.stories
    assert clusterer.add("d", "宁德时代发布年报 净利润创新高", text, T0 + timedelta(days=201)).thread != "a"


def test_a_state_from_before_events_resumes() -> None:
    """Archives written when stories were topics keep ``terms`` and ``recent``: they come back as events."""
    text = "宁德时代发布2025年财报，营收同比增长，净利润创新高，动力电池装机量继续位居全球第一。" * 3
    fresh = StoryClusterer()
    fresh.add("a", "宁德时代发布年报 净利润创新高", text, T0)
    terms = fresh.terms(fresh.stories["a"])
    old = {"terms": terms, "recent": [terms], "entities": [], "first": T0.timestamp(), "last": T0.timestamp()}
    restored = StoryClusterer()
    restored.restore("a", old, ["a"])
    follow = restored.add("c", "宁德时代净利润创新高 动力电池装机量第一", text[:80], T0 + timedelta(hours=2))
    assert follow.story == "a" and follow.thread == "a"


def test_keyword_weights_tell_apart_words_with_equal_internal_bytes() -> None:
    # "XX" (Latin-1) and "塘" (U+5858) share their internal bytes, and so their str hash
    from finews.enrich.stories import _idf_table

    table = _idf_table()
    assert table.lookup(["XX"]) == [table.median] != table.lookup(["塘"])
