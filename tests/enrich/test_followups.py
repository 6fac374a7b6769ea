"""A source's follow-up to its own post is a new article in that post's story; only a rewording updates it.

Every case runs the real ingest pipeline (extract, near-duplicates, archive, stories) into a SQLite archive
and checks what is published: each post a source published stays published under its own link.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from finews.enrich.normalize import normalize
from finews.enrich.understand import Understanding
from finews.extract.clean import html_to_text
from finews.model import BEIJING, Article
from finews.pipeline import fetch_all, ingest_articles
from finews.sources.feed import article_from_item
from finews.sources.postdigest import parse_digest
from finews.store import SQLArchive

from ..conftest import CORPORA, make_config, need
from ..loopback import LoopbackServer

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)
# A channel's item is titled by its opening words, so a follow-up that quotes the post first has its headline
FOLLOW_TITLE = "某市今晨发生4.8级地震 更新"
POST = (
    "【快讯】某市今晨发生4.8级地震，震源深度10公里，市区震感明显，目前暂无人员伤亡报告。"
    "应急管理部门已启动四级响应，派出工作组赶赴震中开展灾情核查，地铁和高铁线路正在逐段检查。"
)
NEWS = "更新：截至上午十点，震中附近三个乡镇共有十二间老旧房屋出现裂缝，地铁已全线恢复运营，高铁列车陆续发车。"
COMMENT = "补充一点：这是该市今年以来第三次四级以上地震，专家提醒近期仍可能有余震，请大家远离危旧建筑。"
OTHER = (
    "宁德时代今日发布新一代麒麟电池，体积利用率突破百分之七十二，能量密度可达每公斤二百五十五瓦时，"
    "支持整车一千公里续航，预计明年量产。公司表示将与多家车企合作推动新电池装车，进一步巩固其在动力电池领域的地位。"
)


def post(url: str, title: str, text: str, hours: float = 0, *, source: str = "channel", guid: str = "") -> Article:
    return Article(source=source, url=url, title=title, guid=guid or None, published=T0 + timedelta(hours=hours),
                   content_html=f"<p>{text}</p>")  # fmt: skip


def ingest(archive: SQLArchive, *batches: Iterable[Article]) -> None:
    """Each batch as one run of the pipeline, resuming the understanding from the archive as a fetch does."""
    for batch in batches:
        ingest_articles(list(batch), archive, understanding=Understanding.resume(archive, T0 + timedelta(days=1)))


def published(archive: SQLArchive) -> dict[str, Article]:
    return {a.url: a for a in archive.iter_articles()}


def storylines(archive: SQLArchive) -> dict[int, int]:
    """Story id → its storyline's id."""
    from sqlalchemy import select

    from finews.store.schema import stories

    with archive.engine.connect() as conn:
        return {row.id: row.thread_id for row in conn.execute(select(stories.c.id, stories.c.thread_id))}


def assert_separate_in_one_story(archive: SQLArchive, first: Article, second: Article) -> None:
    shown = published(archive)
    assert first.url in shown and second.url in shown, sorted(shown)
    earlier, later = shown[first.url], shown[second.url]
    assert earlier.id != later.id
    assert (earlier.title, later.title) == (first.title, second.title)
    assert html_to_text(earlier.content_html) == html_to_text(first.content_html)  # never overwritten
    assert earlier.story_id is not None and earlier.story_id == later.story_id


@pytest.mark.parametrize("together", [False, True], ids=["later-run", "same-batch"])
def test_a_follow_up_quoting_the_post_in_full_is_a_new_article_in_its_story(archive, together) -> None:
    first = post("https://t.example/channel/100", "某市今晨发生4.8级地震", POST)
    follow = post("https://t.example/channel/101", FOLLOW_TITLE, POST + NEWS, hours=2)
    ingest(archive, [first, follow]) if together else ingest(archive, [first], [follow])
    assert_separate_in_one_story(archive, first, follow)


def test_a_comment_then_the_quoted_post_is_a_new_article_in_its_story(archive) -> None:
    first = post("https://t.example/channel/200", "某市今晨发生4.8级地震", POST)
    quoting = post("https://t.example/channel/201", "某市今晨发生4.8级地震", COMMENT + "转：" + POST, hours=1)
    ingest(archive, [first], [quoting])
    assert_separate_in_one_story(archive, first, quoting)


def test_a_truncated_repost_does_not_replace_the_full_post(archive) -> None:
    first = post("https://t.example/channel/300", "某市今晨发生4.8级地震", POST + NEWS)
    cut = post("https://t.example/channel/301", "某市今晨发生4.8级地震", POST, hours=3)
    ingest(archive, [first], [cut])
    assert_separate_in_one_story(archive, first, cut)


def test_a_long_post_repeated_with_news_at_its_end_is_a_new_article(archive) -> None:
    """The opening the fingerprint signs is the same in both; the added news is past it."""
    long_post = POST * 12 + OTHER * 4  # well past the signed opening
    first = post("https://t.example/channel/400", "某市地震全记录", long_post)
    follow = post("https://t.example/channel/401", "某市地震全记录", long_post + NEWS * 3, hours=5)
    ingest(archive, [first], [follow])
    assert_separate_in_one_story(archive, first, follow)


def test_a_retitle_with_the_same_body_updates_the_post(archive) -> None:
    first = post("https://t.example/channel/500", "某市今晨发生4.8级地震", POST)
    retitled = post("https://t.example/channel/500?edit=1", "某市今晨发生4.8级地震 暂无人员伤亡", POST, hours=1)
    ingest(archive, [first], [retitled])
    shown = list(archive.iter_articles(linked=True))
    assert [a.title for a in shown] == [retitled.title]  # one article, retitled


def test_a_light_rewording_of_the_same_length_updates_the_post(archive) -> None:
    first = post("https://t.example/channel/600", "某市今晨发生4.8级地震", POST)
    reworded = POST.replace("今晨", "今天早上").replace("目前暂无", "暂时没有") + "（编辑：小王）"
    second = post("https://t.example/channel/601", "某市今晨发生4.8级地震", reworded, hours=1)
    ingest(archive, [first], [second])
    shown = list(archive.iter_articles(linked=True))
    assert len(shown) == 1 and html_to_text(shown[0].content_html) == reworded


def test_the_same_guid_with_new_text_updates_the_post(archive) -> None:
    first = post("https://t.example/channel/700", "某市今晨发生4.8级地震", POST, guid="msg-700")
    grown = post("https://t.example/channel/700", "某市今晨发生4.8级地震", POST + NEWS, hours=1, guid="msg-700")
    ingest(archive, [first], [grown])
    shown = list(archive.iter_articles(linked=True))
    assert len(shown) == 1 and html_to_text(shown[0].content_html) == POST + NEWS


def test_another_sources_identical_text_is_still_linked(archive) -> None:
    first = post("https://t.example/channel/800", "某市今晨发生4.8级地震", POST)
    copy = post("https://other.example/news/1", "某市今晨发生4.8级地震", POST, hours=1, source="other")
    follow = post("https://t.example/channel/801", FOLLOW_TITLE, POST + NEWS, hours=2)
    ingest(archive, [first], [copy], [follow])
    shown = published(archive)
    assert copy.url not in shown  # never published on its own …
    original = shown[first.url]
    assert [a.url for a in archive.also_reported()[original.id]] == [copy.url]  # … but linked to the first report
    # the source's own follow-up matches the copy too, through its post: it is the source's, not a copy
    assert_separate_in_one_story(archive, first, follow)


def test_a_follow_up_fetched_in_a_later_run_joins_its_posts_story(tmp_path, archive) -> None:
    """Through a feed on a loopback server, each fetch resuming the index and stories from the archive."""

    def rss(*items: Article) -> str:
        body = "".join(
            f"<item><title>{a.title}</title><link>{a.url}</link>"
            f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate>"
            f"<description>&lt;p&gt;{html_to_text(a.content_html)}&lt;/p&gt;</description></item>"
            for a in items
        )
        head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
        return f"{head}<channel><title>c</title>{body}</channel></rss>"

    with LoopbackServer() as server:
        first = post(server.url("/c/1"), "某市今晨发生4.8级地震", POST)
        follow = post(server.url("/c/2"), FOLLOW_TITLE, POST + NEWS, hours=2)
        news = post(server.url("/c/3"), "宁德时代发布麒麟电池", OTHER, hours=3)
        config = make_config(tmp_path, [{"name": "channel", "url": server.url("/c.xml")}])
        server.add("/c.xml", rss(first), content_type="application/rss+xml")
        assert fetch_all(config, archive).added == 1
        server.add("/c.xml", rss(news, follow, first), content_type="application/rss+xml")
        report = fetch_all(config, archive)
        assert (report.added, report.updated) == (2, 0), report.sources[0].summary
    assert_separate_in_one_story(archive, first, follow)
    assert published(archive)[news.url].story_id != published(archive)[first.url].story_id


# -- real channels ----------------------------------------------------------------------------------------

_LINK = re.compile(r"https?://\S+")
_STICKER = re.compile(r"\[[^\[\]]{1,6}\]")  # weibo's "[图片]", "[月亮]": placeholders, not text
_CHANNEL = re.compile(r"https?://((?:t\.me|weibo\.com)/[^/]+)/")
# Channels of the corpora whose history has posts that repeat an earlier post of theirs in full and add to it
# (or repeat it cut short): a statistics society's posts and a tech sharer's microblog in the daily digests.
CHANNELS = ("cosx.org", "weibo.com/1715118170")


def channel_of(link: str) -> str:
    """A microblog or channel by its account; any other site by its host."""
    match = _CHANNEL.match(link)
    if match:
        return match[1]
    parts = link.split("/")
    return parts[2] if len(parts) > 2 else link


def corpus_posts(corpora: Path, channels: Iterable[str]) -> Iterator[Article]:
    """The posts of these channels in the digests (first sighting of each link) and niles feeds."""
    wanted, seen = set(channels), set()
    root = corpora / "digests" / "flaging-feed"
    for path in sorted(root.glob("20*/*.md")):
        rel = str(path.relative_to(root))
        for article in parse_digest(path.read_text(encoding="utf-8", errors="replace"), rel, "digest", BEIJING):
            if article.url and article.url not in seen and channel_of(article.url) in wanted:
                seen.add(article.url)
                article.source = channel_of(article.url)
                yield article
    for path in sorted((corpora / "feeds" / "niles").glob("items_*.jsonl")):
        source = path.stem.removeprefix("items_")
        if source in wanted:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield article_from_item(json.loads(line), source)


def _comparable(article: Article) -> tuple[str, bool]:
    """The post's normalized text without links and placeholders, and whether it is a body (else a headline)."""
    body = html_to_text(article.content_html) if article.content_html else article.summary
    body = "\n".join(line for line in body.splitlines() if "error read:" not in line)  # the aggregator's log
    text = normalize(_STICKER.sub("", _LINK.sub("", body)))
    if len(text) >= 40:
        return text, True
    return normalize(_STICKER.sub("", _LINK.sub("", article.title.removesuffix("...")))), False


def grown_pairs(posts: list[Article]) -> list[tuple[Article, Article]]:
    """(shorter, longer) posts of one source where the longer holds the shorter's whole text and a sentence
    more (a word more for bare headlines): a follow-up, a comment on a quote, a truncated repost."""
    by_source: dict[str, list[tuple[Article, str, bool]]] = defaultdict(list)
    for article in posts:
        by_source[article.source].append((article, *_comparable(article)))
    pairs = []
    for items in by_source.values():
        for short, short_text, short_body in items:
            for long, long_text, long_body in items:
                added = len(long_text) - len(short_text)
                enough = added >= (20 if short_body else 2)
                if enough and short_body == long_body and len(short_text) >= 8 and short_text in long_text:
                    pairs.append((short, long))
    return pairs


@pytest.fixture(scope="module")
def channel_archive(tmp_path_factory) -> tuple[SQLArchive, list[tuple[Article, Article]], int]:
    from finews.store import open_archive

    corpora = need(CORPORA)
    posts = sorted(corpus_posts(corpora, CHANNELS), key=lambda a: a.published or T0)
    pairs = grown_pairs(posts)
    archive = open_archive(tmp_path_factory.mktemp("channels") / "archive.db")
    ingest_articles(posts, archive, understanding=Understanding())
    yield archive, pairs, len(posts)
    archive.close()


def test_real_channels_have_follow_ups(channel_archive) -> None:
    _, pairs, posts = channel_archive
    assert posts > 2000
    found = {short.source for short, _ in pairs}
    assert found == set(CHANNELS), found  # each channel has some: the check below is not empty
    assert len(pairs) >= 15


def test_real_channels_keep_every_post_of_a_follow_up(channel_archive) -> None:
    archive, pairs, _ = channel_archive
    shown = published(archive)
    lost = sorted({a.url for pair in pairs for a in pair if a.url not in shown})
    assert lost == [], f"{len(lost)} posts of follow-ups no longer published: {lost[:5]}"
    posts = {a.url: a for pair in pairs for a in pair}
    overwritten = sorted((a.title, shown[url].title) for url, a in posts.items() if shown[url].title != a.title)
    assert overwritten == [], overwritten
    # A post is with what repeats it: in one event while the event is open, else (a follow-up after
    # the event closed, days idle) in a new event of the same storyline. A post several later posts
    # repeat (a notice, then a report of each of its two venues) is with one of them.
    thread = storylines(archive)

    def together(a: Article, b: Article) -> bool:
        first, second = shown[a.url].story_id, shown[b.url].story_id
        return first == second or thread.get(first) == thread.get(second)

    repeated_by: dict[str, list[Article]] = {}
    for short, long in pairs:
        repeated_by.setdefault(short.url, []).append(long)
    alone = [(posts[url].title, [b.title for b in longs]) for url, longs in repeated_by.items()
             if not any(together(posts[url], b) for b in longs)]  # fmt: skip
    assert alone == [], alone


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "same-batch"])
def test_a_repeat_or_rewording_after_a_follow_up_never_overwrites_the_other_post(archive, together) -> None:
    """A post, its follow-up, the post again word for word and a rewording of the follow-up: each repeat
    updates the post it repeats (its own row, checked against that row's text), never the other one."""
    first = post("https://t.example/channel/900", "某市今晨发生4.8级地震", POST)
    follow = post("https://t.example/channel/901", FOLLOW_TITLE, POST + NEWS, hours=1)
    again = post("https://t.example/channel/902", "某市今晨发生4.8级地震", POST, hours=2)
    retold = POST.replace("今晨", "今天早上") + NEWS
    follow_retold = post("https://t.example/channel/903", FOLLOW_TITLE, retold, hours=3)
    items = [first, follow, again, follow_retold]
    ingest(archive, items) if together else ingest(archive, *([item] for item in items))
    texts = sorted(html_to_text(a.content_html) for a in archive.iter_articles(linked=True))
    assert texts == sorted([POST, retold])  # the post and its follow-up, each in its last wording
    assert len({a.story_id for a in archive.iter_articles()}) == 1
