"""Understanding inside the pipeline: links, retitles, stories, mentions and moves land in the archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finews.pipeline import fetch_all
from finews.publish import build_site

from ..conftest import make_config
from ..loopback import LoopbackServer

BODY = (
    "据媒体报道，近日，阿里巴巴副总裁、达摩院自动驾驶实验室负责人王刚已离职，据知情人士透露，王刚离职后，"
    "将选择在清洁机器人领域创业，并已经获得融资。达摩院对此回应表示，感谢王刚为达摩院无人驾驶技术作出的贡献。"
    "王刚是达摩院自动驾驶实验室的创始成员之一，曾带领团队推出物流机器人小蛮驴，并在多个城市投入运营。"
)
OTHER = (
    "宁德时代今日发布新一代麒麟电池，体积利用率突破百分之七十二，能量密度可达每公斤二百五十五瓦时，"
    "支持整车一千公里续航，预计明年量产。公司表示将与多家车企合作推动新电池装车，进一步巩固其在动力电池领域的地位。"
)


def rss(*items: tuple[str, str, str, str]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        for title, link, date, text in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


def test_reposts_are_linked_and_retitles_update(tmp_path, archive):
    first = ("阿里副总裁王刚离职创业", "http://a.example.cn/1.html", "Wed, 05 Jan 2022 07:11:39 GMT", BODY)
    news = ("宁德时代发布麒麟电池", "http://a.example.cn/2.html", "Wed, 05 Jan 2022 08:00:00 GMT", OTHER)
    repost = ("又一大牛出走！阿里副总裁王刚离职", "http://b.example.cn/9.html", "Wed, 05 Jan 2022 09:00:00 GMT", BODY)
    with LoopbackServer() as server:
        server.add("/a.xml", rss(first, news), content_type="application/rss+xml")
        server.add("/b.xml", rss(repost), content_type="application/rss+xml")
        config = make_config(
            tmp_path,
            [{"name": "a", "url": server.url("/a.xml")}, {"name": "b", "url": server.url("/b.xml")}],
            fetch={"workers": 1},
        )
        assert fetch_all(config, archive, names=["a"]).added == 2
        report = fetch_all(config, archive, names=["b"])  # a later run: the index comes back from the archive
        assert report.sources[0].linked == 1, report.sources[0].summary
        visible = {a.title for a in archive.iter_articles()}
        assert visible == {"阿里副总裁王刚离职创业", "宁德时代发布麒麟电池"}  # never published twice
        original = next(a for a in archive.iter_articles() if a.url.endswith("/1.html"))
        assert [a.url for a in archive.also_reported()[original.id]] == ["http://b.example.cn/9.html"]
        build_site(archive.iter_articles(), config, tmp_path / "site", also=archive.also_reported())
        page = (tmp_path / "site" / "a" / f"{original.slug}.html").read_text(encoding="utf-8")
        assert "其他来源也报道了" in page and "http://b.example.cn/9.html" in page
        assert len(list((tmp_path / "site" / "a").glob("*.html"))) == 2

        retitled = ("阿里副总裁王刚离职，将在清洁机器人领域创业", "http://a.example.cn/1-update.html", first[2], BODY)
        server.add("/a.xml", rss(retitled, news), content_type="application/rss+xml")
        again = fetch_all(config, archive, names=["a"])
        assert (again.added, again.updated) == (0, 1), again.sources[0].summary
    titles = {a.title for a in archive.iter_articles()}
    assert titles == {"阿里副总裁王刚离职，将在清洁机器人领域创业", "宁德时代发布麒麟电池"}
    assert archive.count() == 3  # the two originals and the linked repost


def test_reference_posts_are_two_events_with_moves_and_tickers(tmp_path, archive, reference):
    em = tmp_path / "em" / "_posts"
    kr = tmp_path / "kr" / "source" / "_posts"
    em.mkdir(parents=True)
    kr.mkdir(parents=True)
    (em / "2022-01-05-202201052237118816.md").write_bytes((reference / "jekyll-eastmoney-post.md").read_bytes())
    (kr / "2022-05-19-36kr.md").write_bytes((reference / "hexo-36kr-post.md").read_bytes())
    config = make_config(
        tmp_path,
        [{"name": "em", "type": "posts", "url": "em"}, {"name": "kr", "type": "posts", "url": "kr"}],
        fetch={"workers": 1},
    )
    report = fetch_all(config, archive)
    assert report.added == 2, [s.summary for s in report.sources]
    eastmoney, kr36 = sorted(archive.iter_articles(), key=lambda a: a.published)
    # two happenings months apart: two events, each in a story of its own
    assert None not in (eastmoney.story_id, kr36.story_id) and eastmoney.story_id != kr36.story_id
    moves = archive.moves()
    people = {m["person"] for m in moves}
    assert len(moves) >= 10 and {"王刚", "金榕"} <= people
    wang = next(m for m in moves if m["person"] == "王刚")
    assert wang["org_key"] == "阿里巴巴" and wang["reports"][0]["article_id"] == eastmoney.id
    with archive.engine.connect() as conn:
        query = f"SELECT key, max(confidence) FROM mentions WHERE article_id = {eastmoney.id} GROUP BY key"
        confidence = dict(conn.exec_driver_sql(query).all())
    assert confidence["BABA"] >= 0.6  # 阿里巴巴, named in the text
    assert confidence["300024.SZ"] < 0.6  # eastmoney linked the word 机器人 to a robot maker's stock
    build_site(archive.iter_articles(), config, tmp_path / "site", moves=moves)
    talent = (tmp_path / "site" / "talent" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in talent and "王刚" in talent and "金榕" in talent and f"a/{eastmoney.slug}.html" in talent


def test_understanding_can_be_switched_off(tmp_path, archive):
    item = ("标题", "http://a.example.cn/1.html", "Wed, 05 Jan 2022 07:11:39 GMT", BODY)
    with LoopbackServer() as server:
        server.add("/a.xml", rss(item), content_type="application/rss+xml")
        config = make_config(tmp_path, [{"name": "a", "url": server.url("/a.xml")}], understand={"enabled": False})
        fetch_all(config, archive, now=lambda: datetime.now(UTC) + timedelta(seconds=1))
    stored = next(archive.iter_articles())
    assert stored.fingerprint is None and stored.story_id is None


def test_a_failure_in_understanding_never_costs_the_articles(tmp_path, archive, monkeypatch):
    from finews.enrich.understand import Understanding

    def broken(self, batch):
        raise RuntimeError("a bug in near-duplicate detection")

    monkeypatch.setattr(Understanding, "link_duplicates", broken)
    monkeypatch.setattr(Understanding, "describe", broken)
    item = ("标题", "http://a.example.cn/1.html", "Wed, 05 Jan 2022 07:11:39 GMT", BODY)
    with LoopbackServer() as server:
        server.add("/a.xml", rss(item), content_type="application/rss+xml")
        report = fetch_all(make_config(tmp_path, [{"name": "a", "url": server.url("/a.xml")}]), archive)
    assert report.sources[0].ok and report.added == 1 and archive.count() == 1
