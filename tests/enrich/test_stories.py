"""Story clustering: the two reference posts form one story; unrelated news does not join it."""

from __future__ import annotations

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


def test_reference_posts_form_one_story(reference: Path) -> None:
    eastmoney = read_post(reference / "jekyll-eastmoney-post.md")
    kr36 = read_post(reference / "hexo-36kr-post.md")
    assert (kr36[2] - eastmoney[2]).days > 100  # the story spans months, not days
    clusterer = StoryClusterer()
    first = clusterer.add("eastmoney", *eastmoney)
    clusterer.add(
        "other",
        "苹果发布新款iPad Air 搭载M3芯片",
        "苹果今日发布新款iPad Air，搭载M3芯片，售价4799元起。" * 5,
        eastmoney[2],
    )
    second = clusterer.add("36kr", *kr36)
    assert first.new and not second.new and second.story == "eastmoney", second
    assert clusterer.story_of["other"] != "eastmoney"


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
    state = clusterer.state(story)
    assert list(state["terms"]) == clusterer.top_terms(story, len(state["terms"]))
    assert len(state["recent"]) == 2 and state["entities"] == ["宁德时代"]

    # a clusterer restored from that state places the next report as the first one would
    restored = StoryClusterer()
    restored.restore("a", state, ["a", "b"])
    follow = ("宁德时代净利润创新高 动力电池装机量第一", text[:80], T0 + timedelta(days=1))
    assert restored.add("c", *follow).story == clusterer.add("c", *follow).story == "a"
    assert restored.terms(restored.stories["a"]) == clusterer.terms(clusterer.stories["a"])

    # a report 200 days on closes the story: it is forgotten, with its members
    clusterer.add("z", "贵州茅台发布年报", "贵州茅台发布年报，白酒营收同比增长。" * 3, T0 + timedelta(days=200))
    assert "a" not in clusterer.stories and "b" not in clusterer.story_of and "z" in clusterer.stories
    assert clusterer.add("d", "宁德时代发布年报 净利润创新高", text, T0 + timedelta(days=201)).story != "a"


def test_keyword_weights_tell_apart_words_with_equal_internal_bytes() -> None:
    # "XX" (Latin-1) and "塘" (U+5858) share their internal bytes, and so their str hash
    from finews.enrich.stories import _idf_table

    table = _idf_table()
    assert table.lookup(["XX"]) == [table.median] != table.lookup(["塘"])
