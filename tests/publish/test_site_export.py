import errno
import os
from datetime import datetime, timedelta, timezone

import feedparser
import pytest
import yaml

from finews.errors import PublishError
from finews.extract import prepare
from finews.model import Article
from finews.publish import atomic, build_site, export_posts
from finews.publish import site as site_module

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [
    {"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"},
    {"name": "kr", "title": "36kr", "url": "y", "category": "tech", "category_name": "科技"},
]


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        article = prepare(
            Article(
                source="em" if i % 2 else "kr",
                url=f"https://e.cn/a/{i}.html",
                title=f'第{i}条 "标题": #{i} 🚀 ---' if i % 5 == 0 else f"第{i}条新闻",
                published=datetime(2026, 3, 1, 8, 0, tzinfo=BJ) + timedelta(hours=7 * i),
                content_html=f"<p>正文{i}<img src='https://img.e.cn/{i}.jpg'></p><script>alert(1)</script>",
            )
        )
        article.slug = str(i)
        out.append(article)
    return sorted(out, key=lambda a: a.published, reverse=True)


def test_site_pages_feeds_and_pagination(tmp_path):
    config = make_config(tmp_path, SOURCES, site={"per_page": 5, "title": "测试站"})
    report = build_site(_articles(23), config, tmp_path / "site", search=False)
    site = tmp_path / "site"
    assert report.articles == 23
    for page in (
        "index.html",
        "page/3/index.html",
        "a/0.html",
        "source/em/index.html",
        "category/tech/index.html",
        "category/tech/page/1/index.html",
        "category/tech/atom.xml",
        "atom.xml",
        "static/style.css",
    ):
        assert (site / page).is_file(), page
    # pages past the first are numbered from the oldest, so they keep their articles as new ones come
    assert not (site / "page/4").exists() and not (site / "category/tech/page/2").exists()
    oldest = (site / "page/1/index.html").read_text(encoding="utf-8")
    assert all(f"第{i}条新闻" in oldest for i in (1, 2, 3, 4)) and "第6条新闻" not in oldest
    assert 'href="../2/index.html"' in oldest and "更早的文章" not in oldest
    assert "第22条新闻" in home_text(site) and "第16条新闻" in home_text(site) and "第14条新闻" not in home_text(site)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in home and 'name="viewport"' in home and "<script" not in home
    assert "http://" not in home.replace("http://www.w3.org", "") and "https://" not in home  # no external resources
    article = (site / "a/10.html").read_text(encoding="utf-8")
    assert "正文10" in article and "(北京时间)" in article and "<script" not in article
    assert 'rel="noopener noreferrer nofollow"' in article and 'href="../static/style.css"' in article
    feed = feedparser.parse((site / "category/tech/atom.xml").read_bytes())
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 12 and all(e.title.startswith("第") for e in feed.entries)
    assert feedparser.parse((site / "atom.xml").read_bytes()).entries[0].title == "第22条新闻"


def home_text(site):
    return (site / "index.html").read_text(encoding="utf-8")


def test_failed_build_keeps_the_previous_site(tmp_path, monkeypatch):
    config = make_config(tmp_path, SOURCES)
    build_site(_articles(3), config, tmp_path / "site", search=False)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    def boom(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(site_module._Builder, "lists", boom)
    with pytest.raises(RuntimeError):
        build_site(_articles(6), config, tmp_path / "site", search=False)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# Root ignores folder permissions and tests cannot fill a disk, so the OS refusals are simulated
# at the two calls that meet them: creating the temporary file and renaming it into place.
@pytest.mark.parametrize(
    ("target", "code", "message"),
    [("tempfile.mkstemp", errno.EROFS, "read-only file system"), ("os.replace", errno.ENOSPC, "disk full")],
)
def test_disk_refusals_are_clear_errors_and_leave_nothing(tmp_path, monkeypatch, target, code, message):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    module, name = target.split(".")
    monkeypatch.setattr(getattr(atomic, module), name, refuse)
    config = make_config(tmp_path, SOURCES)
    with pytest.raises(PublishError, match=message):
        export_posts(_articles(1), "jekyll", tmp_path / "out", config)
    if target == "os.replace":  # a first site build writes its folder aside without temporary files
        with pytest.raises(PublishError, match=message):
            build_site(_articles(1), config, tmp_path / "site", search=False)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not leftovers  # no temporary file or half-built folder behind


def test_exports_are_stable_and_inside_the_folder(tmp_path):
    config = make_config(tmp_path, SOURCES, export={"body": "html"})
    articles = _articles(10)
    articles[0].slug = "../../escape"
    first = export_posts(articles, "hexo", tmp_path / "out", config)
    second = export_posts(articles, "hexo", tmp_path / "out", config)
    assert (first.written, second.written, second.unchanged) == (10, 0, 10)
    files = list((tmp_path / "out").rglob("*.md"))
    assert len(files) == 10 and all((tmp_path / "out").resolve() in f.resolve().parents for f in files)
    assert all(".." not in f.relative_to(tmp_path / "out").parts for f in files)
    assert any("escape" in f.name for f in files)
    for f in files:
        meta = yaml.safe_load(f.read_text(encoding="utf-8").split("---\n", 2)[1])
        assert meta["comments"] is False and meta["headimg"] == meta["thumbnail"]


def test_article_page_shows_a_digest_only_when_it_adds_something(tmp_path):
    own, derived = _articles(2)
    own.summary = "来源自带的摘要，与正文不同。"
    build_site([own, derived], make_config(tmp_path, SOURCES), tmp_path / "site", search=False)
    assert 'class="digest"' in (tmp_path / f"site/a/{own.slug}.html").read_text(encoding="utf-8")
    assert 'class="digest"' not in (tmp_path / f"site/a/{derived.slug}.html").read_text(encoding="utf-8")


def test_posts_older_than_n_days_move_to_old_post(tmp_path):
    config = make_config(tmp_path, SOURCES)
    articles = _articles(10)  # 2026-03-01 08:00 + 7 h each, to 2026-03-03 23:00
    now = datetime(2026, 3, 4, 0, 0, tzinfo=BJ)
    first = export_posts(articles, "jekyll", tmp_path / "jk", config)
    assert first.written == 10 and first.archived == 0
    rotated = export_posts(articles, "jekyll", tmp_path / "jk", config, archive_after_days=2, now=now)
    live = sorted(p.name for p in (tmp_path / "jk/_posts").glob("*.md"))
    old = sorted(p.name for p in (tmp_path / "jk/old_post").glob("*.md"))
    # older than 2026-03-02 00:00: the first three articles (08:00, 15:00, 22:00 on 03-01)
    assert rotated.archived == 3 and len(old) == 3 and len(live) == 7 and not set(live) & set(old)
    assert all(name.startswith("2026-03-01") for name in old)
    hexo = export_posts(articles, "hexo", tmp_path / "hx", config, archive_after_days=2, now=now)
    assert hexo.archived == 3 and len(list((tmp_path / "hx/source/old_post").rglob("*.md"))) == 3
    assert len(list((tmp_path / "hx/source/_posts").rglob("*.md"))) == 7
