"""Storylines on the site: each report's page lists its event's other reports and its storyline's other
events, story pages link the storyline, and a build after an event joins a storyline equals a full build."""

from datetime import timedelta

from sqlalchemy import insert, select, update

from finews.publish import reading
from finews.publish.build import build_site
from finews.publish.reading import build_from_archive
from finews.store.schema import articles, stories

from ..conftest import make_config
from .test_site_changed import _files, _stored
from .test_site_incremental import SOURCES

N = 30


def _event(conn, ids: dict[str, int], slugs: list[str], thread: str) -> None:
    """The articles ``slugs`` as one story (named after its first), in the storyline of story ``thread``."""
    story = ids[slugs[0]]
    conn.execute(update(articles).where(articles.c.id.in_([ids[s] for s in slugs])).values(story_id=story))
    conn.execute(insert(stories).values(id=story, title=f"第{slugs[0]}条新闻", size=len(slugs), state="{}",
                                        thread_id=ids[thread]))  # fmt: skip


def test_events_of_a_storyline_link_each_other_and_an_incremental_build_follows(tmp_path, archive, monkeypatch):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 5})
    site = tmp_path / "site"
    archive.save([_stored(i) for i in reversed(range(N))])
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
    with archive.engine.begin() as conn:
        _event(conn, ids, ["3", "9"], thread="3")  # the launch, told twice
        _event(conn, ids, ["20"], thread="3")  # its delay, one report
        _event(conn, ids, ["25", "26"], thread="25")  # another subject
    build_from_archive(config, archive, site, search=False)
    build_from_archive(config, archive, site, search=False)
    monkeypatch.setattr(reading, "MARGIN", timedelta(0))  # so the next build reads only what changes

    launch = (site / "a/3.html").read_text(encoding="utf-8")
    assert "同一事件" in launch and 'href="../a/9.html"' in launch
    assert "相关进展" in launch and 'href="../a/20.html"' in launch  # the delay, by its only report
    delay = (site / "a/20.html").read_text(encoding="utf-8")
    assert "同一事件" not in delay and f'href="../story/{ids["3"]}/index.html"' in delay  # the launch's page
    other = (site / "a/25.html").read_text(encoding="utf-8")
    assert "同一事件" in other and "相关进展" not in other
    story = (site / "story" / str(ids["3"]) / "index.html").read_text(encoding="utf-8")
    assert "相关进展" in story and 'href="../../a/20.html"' in story and "（本事件）" in story

    # a new event joins the launch's storyline: the storyline's other pages list it, as a full build does
    with archive.engine.begin() as conn:
        _event(conn, ids, ["28", "29"], thread="3")
    streamed: list[int] = []
    monkeypatch.setattr(reading, "build_site", lambda *a, **k: streamed.append(1) or build_site(*a, **k))
    report = build_from_archive(config, archive, site, search=False)
    assert report.incremental and not streamed  # put in place, from the stories the change reaches
    full = tmp_path / "full"
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)
    release = f'href="../story/{ids["28"]}/index.html"'
    assert release in (site / "a/9.html").read_text(encoding="utf-8")
    assert release in (site / "a/20.html").read_text(encoding="utf-8")
    assert release not in (site / "a/25.html").read_text(encoding="utf-8")
