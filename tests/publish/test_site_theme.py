from datetime import datetime, timedelta, timezone

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [{"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"}]


def _articles() -> list[Article]:
    article = prepare(Article(source="em", url="https://e.cn/1", title="主题测试", content_html="<p>正文</p>",
                              published=datetime(2026, 3, 1, 8, tzinfo=BJ)))  # fmt: skip
    article.slug, article.id = "1", 1
    return [article]


def test_theme_folder_overrides_templates_and_static_files_by_name(tmp_path):
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static/img").mkdir(parents=True)
    # a theme overrides one block of the packaged article page and keeps the rest
    (theme / "templates/article.html").write_text(
        '{% extends "finews/article.html" %}{% block title %}自定义：{{ article.title }}{% endblock %}',
        encoding="utf-8",
    )
    (theme / "static/style.css").write_text("body { color: #000; }\n", encoding="utf-8")
    (theme / "static/img/logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    config = make_config(tmp_path, SOURCES, site={"theme": "mytheme"})
    build_site(_articles(), config, tmp_path / "site", search=False)
    page = (tmp_path / "site/a/1.html").read_text(encoding="utf-8")
    assert "<title>自定义：主题测试</title>" in page and "<p>正文</p>" in page  # the rest is ours
    assert (tmp_path / "site/static/style.css").read_text(encoding="utf-8") == "body { color: #000; }\n"
    assert (tmp_path / "site/static/img/logo.svg").is_file()
    assert (tmp_path / "site/static/search.js").is_file()  # not overridden: the packaged one
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "主题测试" in home and 'class="search"' not in home  # packaged list page; no search page to link to

    # the theme changed: every page is made again with it
    (theme / "templates/base.html").write_text(
        '<!doctype html><html lang="zh-CN"><title>t</title><main>{% block main %}{% endblock %}</main></html>',
        encoding="utf-8",
    )
    report = build_site(_articles(), config, tmp_path / "site", search=False)
    assert report.rendered == 1 and not report.incremental
    assert (tmp_path / "site/a/1.html").read_text(encoding="utf-8").startswith("<!doctype html><html lang")
