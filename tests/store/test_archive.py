import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from finews.extract import prepare
from finews.model import Article, SourceState
from finews.store import open_archive

BJ = timezone(timedelta(hours=8))
HEAD = "0008"


def _article(n: int, **over) -> Article:
    values = dict(
        source="demo",
        url=f"https://news.example.cn/articles/{1000 + n}.htm?utm_source=rss",
        title=f"标题{n}",
        guid=f"g{n}",
        published=datetime(2022, 1, 5, 15, 11, n, tzinfo=BJ),
        content_html=f"<p>正文{n}</p>",
    )
    values.update(over)
    return prepare(Article(**values))


def test_second_save_adds_nothing_and_changed_content_updates(archive):
    first = archive.save([_article(1), _article(2)])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    again = archive.save([_article(1), _article(2)])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    changed = archive.save([_article(1, content_html="<p>更正后的正文</p>")])
    assert (changed.added, changed.updated) == (0, 1)
    assert archive.count() == 2
    stored = next(a for a in archive.iter_articles() if a.guid == "g1")
    assert "更正后的正文" in stored.content_html


def test_identity_is_canonical_url_then_guid(archive):
    archive.save([_article(1)])
    # same link with other tracking parameters, other guid: same article
    archive.save([_article(1, url="https://news.example.cn/articles/1001.htm?spm=x&from=y", guid="other")])
    # no link at all, same guid: same article
    archive.save([_article(3, url="", guid="g3"), _article(3, url="", guid="g3", title="改过的标题")])
    assert archive.count() == 2


def test_dates_keep_instant_and_source_offset(archive):
    archive.save([_article(7)])
    stored = next(archive.iter_articles())
    assert stored.published == datetime(2022, 1, 5, 15, 11, 7, tzinfo=BJ)
    assert stored.published.utcoffset() == timedelta(hours=8)


def test_slugs_are_url_ids_unique_and_stable(archive):
    a, b = _article(1), _article(2, url="https://other.example.cn/articles/1001.htm")
    archive.save([a, b])
    assert a.slug == "1001" and b.slug.startswith("1001-") and a.slug != b.slug
    c = _article(1)
    archive.save([c])
    assert c.slug == "1001" and c.id == a.id


def test_newest_first_and_per_source(archive):
    archive.save([_article(1), _article(2), _article(3, source="other")])
    assert [a.guid for a in archive.iter_articles()] == ["g3", "g2", "g1"]
    assert [a.guid for a in archive.iter_articles(source="demo", newest_first=False)] == ["g1", "g2"]
    assert archive.count(source="other") == 1


def test_source_state_round_trip(archive):
    now = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    archive.save_source_state(SourceState("s", etag='"abc"', last_checked=now, consecutive_failures=2))
    state = archive.source_state("s")
    assert state.etag == '"abc"' and state.last_checked == now and state.consecutive_failures == 2
    assert archive.source_state("unknown").etag is None


def test_sqlite_file_is_wal_and_migrated(tmp_path):
    path = tmp_path / "a.db"
    open_archive(path).close()
    open_archive(path).close()  # reopening an up-to-date archive is a no-op
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_archive_from_the_first_release_is_upgraded_in_place(tmp_path):
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine

    import finews.store.sql as sql

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(sql.__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.exec_driver_sql("INSERT INTO sources (name, etag, consecutive_failures) VALUES ('s', '\"e\"', 3)")
    engine.dispose()
    with open_archive(path) as archive:
        state = archive.source_state("s")
    assert state.etag == '"e"' and state.consecutive_failures == 3 and state.next_check is None


def test_same_url_from_another_source_does_not_take_over(archive):
    archive.save([_article(1)])
    result = archive.save([_article(1, source="other", title="转载的标题", content_html="<p>短讯</p>")])
    assert (result.added, result.updated, result.duplicates) == (0, 0, 1)
    stored = next(archive.iter_articles())
    assert stored.source == "demo" and stored.title == "标题1"


def test_fingerprints_are_read_back_by_identity(archive):
    by_url, by_guid, bare = _article(1), _article(2, url="", guid="g2"), _article(3)
    by_url.fingerprint, by_guid.fingerprint = b"fp-one", b"fp-two"
    archive.save([by_url, by_guid, bare])
    identities = [by_url.identity, by_guid.identity, bare.identity, "https://news.example.cn/unknown"]
    assert by_guid.identity == "guid:demo:g2"
    assert archive.fingerprints(identities) == {by_url.identity: b"fp-one", by_guid.identity: b"fp-two"}
