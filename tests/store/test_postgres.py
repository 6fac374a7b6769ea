"""What only the PostgreSQL archive has: URL config, migrations of an existing database, writers in
several processes, the advisory writer lock."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text

import finews.store.sql as sql
from finews.errors import ConfigError
from finews.extract import prepare
from finews.model import Article
from finews.store import ArchiveBusy, ArchiveLock, open_configured, open_database, writer_lock
from finews.store.lock import PostgresWriterLock

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))


def _article(n: int, **over) -> Article:
    values = dict(
        source="demo",
        url=f"https://news.example.cn/articles/{1000 + n}.htm",
        title=f"贵州茅台公告{n}",
        guid=f"g{n}",
        published=datetime(2022, 1, 5, 15, 11, n % 60, tzinfo=BJ),
        content_html=f"<p>贵州茅台股份有限公司第{n}号公告。</p>",
    )
    values.update(over)
    return prepare(Article(**values))


def test_storage_url_selects_postgres_and_keeps_path_for_sqlite(tmp_path, new_pg_database):
    url = new_pg_database()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    config = make_config(tmp_path, storage={"url": plain})
    assert config.storage.url == url  # psycopg 3, the driver finews installs
    with open_configured(config) as archive:
        assert archive.engine.dialect.name == "postgresql"
        archive.save([_article(1)])
        assert archive.count() == 1
    assert not (tmp_path / "finews.db").exists()
    assert isinstance(writer_lock(config), PostgresWriterLock)
    sqlite_config = make_config(tmp_path, storage={"path": "a/b.db"})
    with open_configured(sqlite_config) as archive:
        assert archive.engine.dialect.name == "sqlite"
    assert (tmp_path / "a/b.db").exists()
    assert isinstance(writer_lock(sqlite_config), ArchiveLock)
    with pytest.raises(ConfigError, match=r"storage\.url"):
        make_config(tmp_path, storage={"url": "mysql://x@y/z"})


def test_password_never_shows_in_errors(new_pg_database):
    url = new_pg_database().replace("postgres@", "postgres:s3cret@").rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(sql.StorageError) as caught:
        open_database(url)
    assert "s3cret" not in str(caught.value) and "no_such_db" in str(caught.value)


def test_a_database_from_an_older_release_is_upgraded_and_indexed(new_pg_database):
    url = new_pg_database(migrated=False)
    engine = create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(sql.__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0003")
        connection.execute(
            text(
                "INSERT INTO articles (slug, source, url, title, summary, content_html, content_markdown, categories,"
                " annotations, fetched_at, changed_at, sort_at, content_hash) VALUES ('1', 'old', 'https://o.cn/1',"
                " '阿里副总裁离职', '', '<p>阿里巴巴副总裁王刚已离职。</p>', '', '[]', '[]', now(), now(), now(), 'h')"
            )
        )
    engine.dispose()
    with open_database(url) as archive:
        assert archive.search("离职").total == 1 and archive.search("王刚").total == 1
        archive.save([_article(1)])  # ids continue after the old rows
        assert archive.count() == 2 and archive.search("茅台").total == 1
    with open_database(url) as archive:  # a current schema is left alone
        assert archive.count() == 2


def _save_in_process(url: str, start: int, results: multiprocessing.Queue) -> None:
    with open_database(url) as archive:
        articles = [_article(n) for n in range(start, start + 40)]
        results.put(archive.save(articles).added)


def test_writers_in_several_processes_never_store_an_article_twice(new_pg_database):
    url = new_pg_database()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    # overlapping batches, each process opening (and checking the migrations of) the archive at once
    workers = [context.Process(target=_save_in_process, args=(url, start, results)) for start in (0, 20, 0, 10)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    added = sum(results.get(timeout=5) for _ in workers)
    with open_database(url) as archive:
        assert added == archive.count() == 60
        assert len({a.slug for a in archive.iter_articles()}) == 60
        assert archive.search("茅台").total == 60
        assert_search_totals_add_up(archive)


def assert_search_totals_add_up(archive) -> None:
    """The totals bm25 reads (rows, tokens, rows per token) agree with the rows, however the saves interleaved."""
    with archive.engine.connect() as conn:
        stats = conn.execute(text("SELECT docs, tokens FROM search_stats")).one()
        assert tuple(stats) == tuple(conn.execute(text("SELECT count(*), sum(tokens) FROM search_docs")).one())
        kept = dict(conn.execute(text("SELECT token, docs FROM search_df WHERE docs <> 0")).all())
        counted = "SELECT t, count(*) FROM search_docs, unnest(tsvector_to_array(doc)) t GROUP BY t"
        assert kept == dict(conn.execute(text(counted)).all())


def test_the_writer_lock_is_held_in_the_database(new_pg_database, tmp_path):
    url = new_pg_database()
    config = make_config(tmp_path, storage={"url": url})
    with writer_lock(config), pytest.raises(ArchiveBusy, match=r"pid \d+"), writer_lock(config, wait=0.3):
        pass
    with writer_lock(config):  # released on exit
        pass
    assert not list(tmp_path.iterdir())  # no lock file for a database


def test_the_command_line_and_the_api_work_on_a_postgres_archive(tmp_path, new_pg_database):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from finews.cli import app
    from finews.config import load_config
    from finews.web.app import create_app

    runner = CliRunner()
    path = tmp_path / "finews.toml"
    assert runner.invoke(app, ["init", "--sample", "-c", str(path)]).exit_code == 0
    text_ = path.read_text(encoding="utf-8").replace('path = "finews.db"', f'url = "{new_pg_database()}"')
    # stories and entities load jieba's models for ~10 s and are the same code on both backends (test_backends_agree)
    understanding = "[understand]\nenabled = true"
    assert understanding in text_  # the template's own setting, turned off
    path.write_text(text_.replace(understanding, "[understand]\nenabled = false"), encoding="utf-8")
    first = runner.invoke(app, ["fetch", "-c", str(path)])
    assert first.exit_code == 0 and "19 new" in first.output, first.output
    again = runner.invoke(app, ["fetch", "-c", str(path)])
    assert again.exit_code == 0 and "0 new, 0 updated" in again.output
    found = runner.invoke(app, ["search", "离职", "-c", str(path)])
    assert found.exit_code == 0 and "match" in found.output and "离职" in found.output
    assert not (tmp_path / "finews.db").exists()
    with TestClient(create_app(load_config(path))) as client:
        api = client.get("/api/search", params={"q": "离职"}).json()
        assert api["total"] >= 1 and "<mark>离职</mark>" in api["items"][0]["snippet"]
        assert client.get("/api/articles").json()["total"] == 19
